package org.ecbridge.processors.media;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.Charset;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.IllegalCharsetNameException;
import java.nio.charset.StandardCharsets;
import java.nio.charset.UnsupportedCharsetException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.ibm.icu.text.CharsetDetector;
import com.ibm.icu.text.CharsetMatch;
import org.ecbridge.processors.media.TextCharset.Kind;

/**
 * Detects the charset of a text file from a prefix of its bytes, in this order: byte order mark, binary content
 * (NUL and other control bytes), UTF-16 without BOM (NUL bytes on one side of each pair), ASCII, UTF-8 validity,
 * and last ICU4J's statistical {@link CharsetDetector}. Every charset it returns decodes the prefix without
 * malformed or unmappable input.
 */
public final class TextCharsetSniffer {

    public static final Charset WINDOWS_1252 = Charset.forName("windows-1252");
    public static final Charset ISO_8859_15 = Charset.forName("ISO-8859-15");
    private static final Charset UTF_32BE = Charset.forName("UTF-32BE");
    private static final Charset UTF_32LE = Charset.forName("UTF-32LE");
    /** The currency sign, which ISO-8859-15 replaced by the euro sign; real text almost never uses it. */
    private static final int CURRENCY_SIGN = 0xA4;
    /** In UTF-16 without BOM, at least this share of code units has a NUL high byte (mostly Latin text). */
    private static final double UTF16_MIN_NUL_SHARE = 0.10;
    /** ... and at most this share a NUL low byte, which only U+xx00 characters have. */
    private static final double UTF16_MAX_OTHER_NUL_SHARE = 0.01;
    private static final int DECLARATION_SEARCH_BYTES = 1024;
    private static final Pattern XML_ENCODING =
            Pattern.compile("^\\s*<\\?xml[^>]*?\\bencoding\\s*=\\s*[\"']([A-Za-z0-9._:-]+)[\"']");
    private static final Pattern HTML_META_CHARSET =
            Pattern.compile("<meta[^>]*?\\bcharset\\s*=\\s*[\"']?([A-Za-z0-9._:-]+)", Pattern.CASE_INSENSITIVE);

    private final int minConfidence;
    private final List<Charset> preferredCharsets;
    private final int preferenceMargin;
    private final int maxControlPerMille;
    private final Charset fallbackCharset;

    /**
     * @param minConfidence      ICU4J confidence (0 to 100) a statistical match needs
     * @param preferredCharsets  charsets that win over a better match less than {@code preferenceMargin} ahead
     * @param preferenceMargin   confidence points within which a preferred charset wins
     * @param maxControlPerMille control bytes per thousand above which a file is binary
     * @param fallbackCharset    charset for text that is not UTF-8 and that no match claims, or null to leave it
     */
    public TextCharsetSniffer(int minConfidence, List<Charset> preferredCharsets, int preferenceMargin,
            int maxControlPerMille, Charset fallbackCharset) {
        this.minConfidence = minConfidence;
        this.preferredCharsets = List.copyOf(preferredCharsets);
        this.preferenceMargin = preferenceMargin;
        this.maxControlPerMille = maxControlPerMille;
        this.fallbackCharset = fallbackCharset;
    }

    /**
     * Detects the charset of {@code prefix}.
     *
     * @param complete true when the prefix is the whole file, so a multi-byte sequence cut at its end is malformed
     * @param markup   true for XML and HTML, whose own charset declaration is looked for
     */
    public TextCharset detect(byte[] prefix, boolean complete, boolean markup) {
        TextCharset detected = detectBytes(prefix, complete);

        if (markup && detected.kind() == Kind.LEGACY) {
            return selfDeclared(prefix, detected).orElse(detected);
        }
        return detected;
    }

    /** Detects the charset of bytes known not to be valid UTF-8, such as those after an ASCII prefix. */
    public TextCharset detectLegacy(byte[] bytes, boolean complete) {
        return detectStatistically(bytes, complete);
    }

    private TextCharset detectBytes(byte[] prefix, boolean complete) {
        if (prefix.length == 0) {
            return TextCharset.of(Kind.ASCII, StandardCharsets.US_ASCII, 0, 100, "empty file");
        }
        Optional<TextCharset> byBom = byteOrderMark(prefix, complete);
        if (byBom.isPresent()) {
            return byBom.get();
        }
        if (contains(prefix, (byte) 0)) {
            return utf16WithoutBom(prefix, complete).orElseGet(() -> TextCharset.without(Kind.BINARY,
                    "NUL bytes outside a UTF-16 pattern"));
        }
        if (controlPerMille(prefix) > maxControlPerMille) {
            return TextCharset.without(Kind.BINARY, "more than " + maxControlPerMille + " control bytes per 1000");
        }
        if (isAscii(prefix)) {
            return TextCharset.of(Kind.ASCII, StandardCharsets.US_ASCII, 0, 100, "only ASCII bytes");
        }
        if (decodes(prefix, 0, StandardCharsets.UTF_8, complete)) {
            return TextCharset.of(Kind.UTF_8, StandardCharsets.UTF_8, 0, 100, "valid UTF-8");
        }
        return detectStatistically(prefix, complete);
    }

    private Optional<TextCharset> byteOrderMark(byte[] bytes, boolean complete) {
        Charset charset;
        int bomBytes;
        if (startsWith(bytes, 0xEF, 0xBB, 0xBF)) {
            charset = StandardCharsets.UTF_8;
            bomBytes = 3;
        } else if (startsWith(bytes, 0xFF, 0xFE, 0x00, 0x00)) {
            charset = UTF_32LE;
            bomBytes = 4;
        } else if (startsWith(bytes, 0x00, 0x00, 0xFE, 0xFF)) {
            charset = UTF_32BE;
            bomBytes = 4;
        } else if (startsWith(bytes, 0xFF, 0xFE)) {
            charset = StandardCharsets.UTF_16LE;
            bomBytes = 2;
        } else if (startsWith(bytes, 0xFE, 0xFF)) {
            charset = StandardCharsets.UTF_16BE;
            bomBytes = 2;
        } else {
            return Optional.empty();
        }
        if (!decodes(bytes, bomBytes, charset, complete)) {
            return Optional.of(TextCharset.without(Kind.BINARY, "a " + charset.name()
                    + " byte order mark followed by bytes that are not " + charset.name()));
        }
        Kind kind = charset.equals(StandardCharsets.UTF_8) ? Kind.UTF_8 : Kind.LEGACY;
        return Optional.of(TextCharset.of(kind, charset, bomBytes, 100, charset.name() + " byte order mark"));
    }

    /** Recognizes UTF-16 without BOM by NUL bytes on one side of the code units, then verifies the decoding. */
    private Optional<TextCharset> utf16WithoutBom(byte[] bytes, boolean complete) {
        int units = bytes.length / 2;
        if (units < 2) {
            return Optional.empty();
        }
        int evenNuls = 0;
        int oddNuls = 0;
        for (int i = 0; i + 1 < bytes.length; i += 2) {
            evenNuls += bytes[i] == 0 ? 1 : 0;
            oddNuls += bytes[i + 1] == 0 ? 1 : 0;
        }
        Charset charset;
        if (oddNuls >= units * UTF16_MIN_NUL_SHARE && evenNuls <= units * UTF16_MAX_OTHER_NUL_SHARE) {
            charset = StandardCharsets.UTF_16LE;
        } else if (evenNuls >= units * UTF16_MIN_NUL_SHARE && oddNuls <= units * UTF16_MAX_OTHER_NUL_SHARE) {
            charset = StandardCharsets.UTF_16BE;
        } else {
            return Optional.empty();
        }
        int length = complete ? bytes.length : units * 2;
        byte[] whole = length == bytes.length ? bytes : Arrays.copyOf(bytes, length);
        if (!decodes(whole, 0, charset, complete) || controlPerMille(new String(whole, charset)) > maxControlPerMille) {
            return Optional.empty();
        }
        return Optional.of(TextCharset.of(Kind.LEGACY, charset, 0, 100, charset.name() + " without byte order mark"));
    }

    private TextCharset detectStatistically(byte[] bytes, boolean complete) {
        List<CharsetMatch> matches = usableMatches(bytes, complete);
        if (!matches.isEmpty()) {
            CharsetMatch chosen = preferred(matches);
            Charset charset = javaCharset(chosen.getName(), bytes);
            return TextCharset.of(Kind.LEGACY, charset, 0, chosen.getConfidence(),
                    "ICU4J CharsetDetector named " + chosen.getName() + " with confidence " + chosen.getConfidence());
        }
        if (fallbackCharset != null && decodes(bytes, 0, fallbackCharset, complete)) {
            return TextCharset.of(Kind.LEGACY, fallbackCharset, 0, 0, "not UTF-8 and no charset detected with "
                    + "confidence " + minConfidence + " or more, so the fallback " + fallbackCharset.name());
        }
        return TextCharset.without(Kind.UNDETECTED, "not UTF-8 and no charset detected with confidence "
                + minConfidence + " or more");
    }

    /** Returns ICU4J's matches that are confident enough, not Unicode (ruled out before) and decode the bytes. */
    private List<CharsetMatch> usableMatches(byte[] bytes, boolean complete) {
        CharsetDetector detector = new CharsetDetector();
        detector.setText(bytes);
        List<CharsetMatch> usable = new ArrayList<>();
        for (CharsetMatch match : detector.detectAll()) {
            String name = match.getName();
            if (match.getConfidence() < minConfidence || name.startsWith("UTF-")) {
                continue;
            }
            Charset charset = javaCharset(name, bytes);
            if (charset != null && decodes(bytes, 0, charset, complete)) {
                usable.add(match);
            }
        }
        return usable;
    }

    /** Returns the first preferred charset less than the margin behind the best match, else the best match. */
    private CharsetMatch preferred(List<CharsetMatch> matches) {
        CharsetMatch best = matches.get(0);
        for (CharsetMatch match : matches) {
            boolean close = best.getConfidence() - match.getConfidence() < preferenceMargin;
            if (close && preferredCharsets.contains(javaCharset(match.getName(), new byte[0]))) {
                return match;
            }
        }
        return best;
    }

    /**
     * Maps an ICU4J charset name to a Java charset. ISO-8859-1 becomes windows-1252, as the WHATWG Encoding
     * Standard maps the label, because both decode 0xA0 to 0xFF alike and windows-1252 also has the printable
     * characters (euro sign, typographic quotes) that Windows puts at 0x80 to 0x9F. It becomes ISO-8859-15 when
     * the bytes contain 0xA4, the euro sign there and the rarely used currency sign in ISO-8859-1.
     */
    private static Charset javaCharset(String icuName, byte[] bytes) {
        if (icuName.equals("ISO-8859-1")) {
            return contains(bytes, (byte) CURRENCY_SIGN) ? ISO_8859_15 : WINDOWS_1252;
        }
        String name = icuName.equals("ISO-8859-8-I") ? "ISO-8859-8" : icuName;
        try {
            return Charset.isSupported(name) ? Charset.forName(name) : null;
        } catch (IllegalCharsetNameException | UnsupportedCharsetException e) {
            return null;
        }
    }

    private Optional<TextCharset> selfDeclared(byte[] prefix, TextCharset detected) {
        int length = Math.min(prefix.length, DECLARATION_SEARCH_BYTES);
        String start = new String(prefix, detected.bomBytes(), length - detected.bomBytes(), detected.charset());
        Matcher xml = XML_ENCODING.matcher(start);
        Matcher html = HTML_META_CHARSET.matcher(start);
        String declared = xml.find() ? xml.group(1) : html.find() ? html.group(1) : null;
        if (declared == null || declared.equalsIgnoreCase("utf-8") || declared.equalsIgnoreCase("utf8")) {
            return Optional.empty();
        }
        return Optional.of(TextCharset.of(Kind.SELF_DECLARED, detected.charset(), detected.bomBytes(),
                detected.confidence(), "the document declares " + declared + "; detected " + detected.reason()));
    }

    /**
     * Returns whether {@code bytes} from {@code offset} decode as {@code charset} without malformed or unmappable
     * input. Unless {@code complete}, a multi-byte sequence cut at the end of the bytes is accepted.
     */
    static boolean decodes(byte[] bytes, int offset, Charset charset, boolean complete) {
        CharsetDecoder decoder = charset.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes, offset, bytes.length - offset);
        CharBuffer out = CharBuffer.allocate((int) Math.ceil(in.remaining() * (double) decoder.maxCharsPerByte()));
        CoderResult result = decoder.decode(in, out, complete);
        if (result.isError()) {
            return false;
        }
        if (complete) {
            return !decoder.flush(out).isError();
        }
        return in.remaining() < 4;
    }

    private static int controlPerMille(byte[] bytes) {
        long controls = 0;
        for (byte b : bytes) {
            controls += isUnexpectedControl(b & 0xFF) ? 1 : 0;
        }
        return (int) (controls * 1000 / bytes.length);
    }

    private static int controlPerMille(String text) {
        if (text.isEmpty()) {
            return 0;
        }
        long controls = text.chars().filter(TextCharsetSniffer::isUnexpectedControl).count();
        return (int) (controls * 1000 / text.length());
    }

    /** C0 controls other than tab, line feed, vertical tab, form feed, carriage return, SUB (DOS end of file), ESC. */
    private static boolean isUnexpectedControl(int c) {
        return c < 0x20 && c != '\t' && c != '\n' && c != 0x0B && c != '\f' && c != '\r' && c != 0x1A && c != 0x1B;
    }

    private static boolean isAscii(byte[] bytes) {
        for (byte b : bytes) {
            if (b < 0) {
                return false;
            }
        }
        return true;
    }

    private static boolean contains(byte[] bytes, byte value) {
        for (byte b : bytes) {
            if (b == value) {
                return true;
            }
        }
        return false;
    }

    private static boolean startsWith(byte[] bytes, int... expected) {
        if (bytes.length < expected.length) {
            return false;
        }
        for (int i = 0; i < expected.length; i++) {
            if ((bytes[i] & 0xFF) != expected[i]) {
                return false;
            }
        }
        return true;
    }
}
