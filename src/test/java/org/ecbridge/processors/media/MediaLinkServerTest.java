package org.ecbridge.processors.media;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;

import org.junit.jupiter.api.Test;

class MediaLinkServerTest {

    @Test
    void singleRangesAreParsed() {
        assertEquals(Optional.of(new MediaLinkServer.ByteRange(0, 0)), MediaLinkServer.parseRange("bytes=0-0", 100));
        assertEquals(Optional.of(new MediaLinkServer.ByteRange(10, 99)), MediaLinkServer.parseRange("bytes=10-", 100));
        assertEquals(Optional.of(new MediaLinkServer.ByteRange(90, 99)), MediaLinkServer.parseRange("bytes=-10", 100));
        assertEquals(Optional.of(new MediaLinkServer.ByteRange(0, 99)), MediaLinkServer.parseRange("bytes=-500", 100));
        assertEquals(Optional.of(new MediaLinkServer.ByteRange(50, 99)),
                MediaLinkServer.parseRange("bytes=50-1000", 100));
    }

    @Test
    void unsatisfiableRangeIsNull() {
        assertNull(MediaLinkServer.parseRange("bytes=100-", 100));
        assertNull(MediaLinkServer.parseRange("bytes=100-200", 100));
        assertNull(MediaLinkServer.parseRange("bytes=-0", 100));
    }

    @Test
    void unusableRangeServesWholeFile() {
        assertTrue(MediaLinkServer.parseRange("bytes=0-1,5-9", 100).isEmpty(), "several ranges");
        assertTrue(MediaLinkServer.parseRange("items=0-1", 100).isEmpty(), "other unit");
        assertTrue(MediaLinkServer.parseRange("bytes=9-1", 100).isEmpty(), "last before first");
        assertTrue(MediaLinkServer.parseRange("bytes=-", 100).isEmpty(), "no numbers");
    }

    @Test
    void contentDispositionCarriesUtf8Name() {
        assertEquals("attachment; filename=\"Or_amento 10%.pdf\"; filename*=UTF-8''Or%C3%A7amento%2010%25.pdf",
                MediaLinkServer.contentDisposition("Orçamento 10%.pdf"));
    }
}
