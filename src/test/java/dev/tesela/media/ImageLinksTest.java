package dev.tesela.media;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Direct links per storage in the API v1 JSON: the files of an image whose storage has a public URL are linked there
 * (main file, thumb, medium, display URL), every page of the site stays on the site; without a public URL the files
 * are linked through the site ({@code /images/<key>}).
 */
class ImageLinksTest {
    private static final String SITE = "https://img.example.test";
    private static final StoredImage IMAGE = new StoredImage(
            7,
            null,
            null,
            null,
            null,
            3L,
            "2026/12/02/sunset.jpeg",
            "sunset.jpeg",
            "Sunset",
            null,
            "image/jpeg",
            "jpeg",
            1600,
            1200,
            1,
            400_000,
            "sha",
            "md5",
            null,
            false,
            0,
            0,
            null,
            Instant.parse("2026-12-02T08:00:00Z"),
            List.of(),
            Map.of(
                    "thumb",
                    new StoredImage.Variant("thumb", "2026/12/02/sunset.th.jpeg", "image/jpeg", 160, 120, 4_000),
                    "medium",
                    new StoredImage.Variant("medium", "2026/12/02/sunset.md.jpeg", "image/jpeg", 640, 480, 40_000)));

    @Test
    void aStorageWithAPublicUrlHasItsFilesLinkedThere() {
        for (String publicUrl : List.of("https://cdn.example.test/bucket/", "https://cdn.example.test/bucket")) {
            Map<String, Object> json =
                    ApiV1Json.image(ImageLinks.of(SITE, Optional.of(publicUrl), "Gs", IMAGE), null, Instant.now());
            String files = "https://cdn.example.test/bucket/";
            assertEquals(files + "2026/12/02/sunset.jpeg", json.get("url"));
            assertEquals(files + "2026/12/02/sunset.jpeg", url(json, "image"));
            assertEquals(files + "2026/12/02/sunset.th.jpeg", url(json, "thumb"));
            assertEquals(files + "2026/12/02/sunset.md.jpeg", url(json, "medium"));
            assertEquals(files + "2026/12/02/sunset.md.jpeg", json.get("display_url"));
            assertEquals(SITE + "/image/sunset.Gs", json.get("url_viewer"));
            assertEquals(SITE + "/image/Gs", json.get("url_short"));
        }
    }

    @Test
    void anyOtherStorageHasItsFilesLinkedThroughTheSite() {
        for (Optional<String> publicUrl : List.of(Optional.<String>empty(), Optional.of(" "))) {
            Map<String, Object> json =
                    ApiV1Json.image(ImageLinks.of(SITE, publicUrl, "Gs", IMAGE), null, Instant.now());
            assertEquals(SITE + "/images/2026/12/02/sunset.jpeg", json.get("url"));
            assertEquals(SITE + "/images/2026/12/02/sunset.th.jpeg", url(json, "thumb"));
            assertEquals(SITE + "/images/2026/12/02/sunset.md.jpeg", json.get("display_url"));
        }
    }

    private static Object url(Map<String, Object> json, String file) {
        return ((Map<?, ?>) json.get(file)).get("url");
    }
}
