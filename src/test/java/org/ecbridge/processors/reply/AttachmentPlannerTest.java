package org.ecbridge.processors.reply;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Clock;
import java.time.Duration;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AttachmentPlannerTest {

    private final AttachmentPlanner planner = new AttachmentPlanner(100L << 20, Duration.ofMinutes(2),
            Clock.systemUTC());

    @ParameterizedTest
    @CsvSource({
            "image/jpeg, 5242880, image",
            "image/jpeg, 5242881, document",
            "image/png, 1000, image",
            "image/vnd.adobe.photoshop, 1000, document",
            "image/tiff, 1000, document",
            "image/svg+xml, 1000, document",
            "image/heic, 1000, document",
            "image/gif, 1000, document",
            "video/mp4, 16777216, video",
            "video/mp4, 16777217, document",
            "video/quicktime, 1000, document",
            "audio/ogg, 1000, voice",
            "audio/webm, 1000, voice",
            "audio/ogg, 16777217, document",
            "audio/mpeg, 1000, audio",
            "audio/mpeg, 16777217, document",
            "application/pdf, 104857600, document",
            "application/pdf, 104857601, link",
            "image/jpeg, -1, document"})
    void messageTypeFollowsTypeAndSize(String type, long sizeBytes, String sentAs) {
        assertEquals(sentAs, planner.sentAs(type, sizeBytes));
    }

    @ParameterizedTest
    @CsvSource({
            "orcamento.pdf, application/pdf, orcamento.pdf",
            "foto.jpeg, image/jpeg, foto.jpeg",
            "foto.png, image/jpeg, foto.png.jpg",
            "foto, image/png, foto.png",
            "desenho.dwg, application/octet-stream, desenho.dwg",
            "'', application/pdf, attachment-7.pdf",
            "dados, application/x-unknown, dados.bin"})
    void fileNameEndsInTheTypesExtension(String name, String type, String expected) {
        assertEquals(expected, AttachmentPlanner.withExtension(name, 7, type));
    }

    @ParameterizedTest
    @CsvSource({
            "application/pdf, x.bin, application/pdf",
            "'application/octet-stream', planilha.xlsx, "
                    + "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "'binary/octet-stream', arte.psd, image/vnd.adobe.photoshop",
            "'', nada, application/octet-stream",
            "'image/PNG; charset=binary', x, image/png"})
    void realTypeComesFromStorageOrExtension(String contentType, String name, String expected) {
        assertEquals(expected, AttachmentPlanner.realType(contentType, name));
    }
}
