package dev.tesela.media;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.microsoft.playwright.APIResponse;
import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.BrowserType;
import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Playwright;
import com.microsoft.playwright.assertions.LocatorAssertions;
import com.microsoft.playwright.options.AriaRole;
import com.microsoft.playwright.options.ColorScheme;
import com.microsoft.playwright.options.FilePayload;
import dev.tesela.App;
import dev.tesela.platform.context.RequestContext;
import dev.tesela.testing.Services;
import dev.tesela.testing.TestDatabase;
import dev.tesela.testing.TestImages;
import dev.tesela.testing.TestSite;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The upload page in a real browser (Debian's Chromium driven by Playwright, the real app on H2): an administrator
 * signs in through the form, uploads a JPEG through the file picker and gets its thumbnail, viewer link, embed codes
 * and delete link; a fake image shows the server's refusal; a file over the size limit is refused before sending;
 * the delete link removes the image. A guest uploads too (guests may, by default). Screenshots go to
 * {@code target/screenshots/}. Skipped when Chromium is not installed, unless {@code TESELA_TEST_REQUIRE_SERVICES=1}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BrowserUploadTest {
    private static final List<String> CHROMIUM_ARGS = List.of(
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage");
    private static final Path SCREENSHOTS = Path.of("target", "screenshots");
    private static final double FINISH_TIMEOUT_MS = 30_000;

    @AutoClose
    private TestSite site;

    private App app;
    private String base;
    private Playwright playwright;
    private Browser browser;
    private Path work;

    @BeforeAll
    void start() throws Exception {
        Path chromium = chromium();
        Files.createDirectories(SCREENSHOTS);
        work = Files.createTempDirectory("tesela-browser-upload-");
        // The pages load images from the links the app builds from its configured host name: name the real address.
        site = TestSite.on(TestDatabase.Kind.H2)
                .reachable()
                .installed()
                .serving()
                .start();
        app = site.app();
        base = site.base();
        playwright = Playwright.create();
        browser = playwright
                .chromium()
                .launch(new BrowserType.LaunchOptions()
                        .setExecutablePath(chromium)
                        .setHeadless(true)
                        .setArgs(CHROMIUM_ARGS));
    }

    @AfterAll
    void stop() throws Exception {
        if (browser != null) {
            browser.close();
        }
        if (playwright != null) {
            playwright.close();
        }
        if (work != null) {
            dev.tesela.testing.TestFiles.deleteTree(work);
        }
    }

    @Test
    void adminUploadsSharesAndDeletesAnImage() throws Exception {
        Path jpeg = work.resolve("harbour.jpg");
        Files.write(jpeg, TestImages.jpeg(1200, 800, 7));
        try (BrowserContext context = browser.newContext(new Browser.NewContextOptions().setViewportSize(1280, 900))) {
            context.grantPermissions(List.of("clipboard-read", "clipboard-write"));
            Page page = context.newPage();
            List<String> problems = watch(page);

            page.navigate(base + "/login");
            page.getByLabel("Username or e-mail").fill("admin");
            page.getByLabel("Password", new Page.GetByLabelOptions().setExact(true))
                    .fill("correct horse battery");
            page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Sign in"))
                    .click();
            assertThat(page.getByTestId("signed-in-user")).hasText("admin");

            page.locator("header")
                    .getByRole(AriaRole.LINK, new Locator.GetByRoleOptions().setName("Upload"))
                    .click();
            assertThat(page).hasURL(base + "/upload");
            assertThat(page.getByRole(AriaRole.HEADING, new Page.GetByRoleOptions().setName("Upload images")))
                    .isVisible();
            assertScriptAndStylesheetApplied(page);
            assertThat(page.getByTestId("dropzone")).containsText("Drag images here, paste with Ctrl+V");
            page.screenshot(new Page.ScreenshotOptions()
                    .setPath(SCREENSHOTS.resolve("upload-empty.png"))
                    .setFullPage(true));

            // A JPEG through the file picker, with a title and tags.
            page.getByLabel("Title").fill("Harbour at dusk");
            page.getByLabel("Tags").fill("harbour, dusk");
            page.getByTestId("file-input").setInputFiles(jpeg);
            Locator first = page.getByTestId("upload-item").nth(0);
            assertThat(first).hasAttribute("data-state", "waiting");
            assertThat(first.locator(".item-name")).hasText("harbour.jpg");
            assertThat(page.getByTestId("upload-button")).hasText("Upload 1 image");
            page.screenshot(new Page.ScreenshotOptions()
                    .setPath(SCREENSHOTS.resolve("upload-queued.png"))
                    .setFullPage(true));
            page.getByTestId("upload-button").click();
            awaitFinished(first, "done");

            Locator thumb = first.getByTestId("upload-thumb");
            page.waitForFunction("img => img.complete && img.naturalWidth > 0", thumb.elementHandle());
            assertEquals(320, ((Number) thumb.evaluate("img => img.naturalWidth")).intValue(), "the thumbnail loaded");
            String direct = first.locator("input[data-embed='Direct link']").inputValue();
            assertTrue(direct.matches(Pattern.quote(base) + "/images/\\d{4}/\\d{2}/\\d{2}/.+\\.jpg"), direct);
            String viewerUrl = first.getByTestId("viewer-link").getAttribute("href");
            assertEquals(
                    viewerUrl, first.locator("input[data-embed='Viewer link']").inputValue());
            assertTrue(viewerUrl.startsWith(base + "/image/harbour-at-dusk."), viewerUrl);
            String bbcode = first.locator("input[data-embed='BBCode']").inputValue();
            assertTrue(
                    bbcode.matches("\\[url=" + Pattern.quote(viewerUrl) + "]\\[img].+/images/.+\\[/img]\\[/url]"),
                    bbcode);
            assertTrue(first.locator("input[data-embed='HTML']").inputValue().contains("alt=\"Harbour at dusk\""));
            assertTrue(
                    first.locator("input[data-embed='Markdown']").inputValue().startsWith("[![Harbour at dusk]("));
            String deleteUrl = first.getByTestId("delete-link").getAttribute("href");
            assertTrue(
                    deleteUrl.matches(Pattern.quote(base) + "/image/[A-Za-z0-9]+/delete/[A-Za-z0-9]{40}"), deleteUrl);
            first.getByRole(AriaRole.BUTTON, new Locator.GetByRoleOptions().setName("Copy Direct link"))
                    .click();
            assertThat(first.getByRole(AriaRole.BUTTON, new Locator.GetByRoleOptions().setName("Copy Direct link")))
                    .hasText("Copied");
            assertEquals(
                    direct, page.evaluate("() => navigator.clipboard.readText()"), "the copy button copied the link");

            // A text file named .png: the server refuses it and the item says why.
            page.getByTestId("file-input")
                    .setInputFiles(new FilePayload(
                            "notes.png", "image/png", "just some text, not an image".getBytes(StandardCharsets.UTF_8)));
            page.getByTestId("upload-button").click();
            Locator second = page.getByTestId("upload-item").nth(1);
            awaitFinished(second, "error");
            assertThat(second.getByTestId("upload-error")).containsText("not a supported image");
            assertThat(page.getByTestId("upload-error")).hasCount(1);

            // Over the size limit: refused in the page, nothing sent.
            app.settings().update(system(), "upload_max_filesize_mb", "1");
            try {
                page.reload();
                int postsBefore = uploadPosts.size();
                page.getByTestId("file-input")
                        .setInputFiles(new FilePayload("huge.jpg", "image/jpeg", new byte[1_200_000]));
                Locator huge = page.getByTestId("upload-item").nth(0);
                assertThat(huge).hasAttribute("data-state", "error");
                assertThat(huge.getByTestId("upload-error"))
                        .hasText("This file is 1.1 MB; the largest file you may upload here is 1 MB.");
                page.getByTestId("upload-button").click();
                assertThat(page.locator("#upload-summary")).hasText("Nothing left to upload. Add more images.");
                assertEquals(postsBefore, uploadPosts.size(), "a file over the limit was sent");
            } finally {
                app.settings().update(system(), "upload_max_filesize_mb", "50");
            }
            page.navigate(base + "/upload");
            page.getByTestId("file-input")
                    .setInputFiles(new FilePayload(
                            "notes.png", "image/png", "just some text, not an image".getBytes(StandardCharsets.UTF_8)));
            byte[] whole = Files.readAllBytes(jpeg);
            page.getByTestId("file-input")
                    .setInputFiles(
                            new FilePayload("cut.jpg", "image/jpeg", java.util.Arrays.copyOf(whole, whole.length / 2)));
            page.getByTestId("upload-button").click();
            awaitFinished(page.getByTestId("upload-item").nth(0), "error");
            awaitFinished(page.getByTestId("upload-item").nth(1), "error");
            assertThat(page.getByTestId("upload-item").nth(1).getByTestId("upload-error"))
                    .containsText("damaged");
            page.screenshot(new Page.ScreenshotOptions()
                    .setPath(SCREENSHOTS.resolve("upload-errors.png"))
                    .setFullPage(true));

            // The viewer page.
            page.navigate(viewerUrl);
            assertThat(page).hasTitle(Pattern.compile("^Harbour at dusk"));
            assertThat(page.getByTestId("viewer-title")).hasText("Harbour at dusk");
            Locator shown = page.getByTestId("viewer-image");
            assertThat(shown).isVisible();
            page.waitForFunction("img => img.complete && img.naturalWidth > 0", shown.elementHandle());
            assertEquals(
                    500, ((Number) shown.evaluate("img => img.naturalWidth")).intValue(), "the medium size is shown");
            assertThat(page.locator("input[data-embed='BBCode full image']")).hasValue("[img]" + direct + "[/img]");
            assertThat(page.locator("input[data-embed='Direct link']")).hasValue(direct);
            page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Copy Direct link"))
                    .click();
            assertThat(page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Copy Direct link")))
                    .hasText("Copied");
            page.locator("summary", new Page.LocatorOptions().setHasText("BBCode"))
                    .click();
            page.screenshot(new Page.ScreenshotOptions()
                    .setPath(SCREENSHOTS.resolve("viewer.png"))
                    .setFullPage(true));

            // The owner's delete button asks first (a script of the page, not an inline handler: the CSP runs none);
            // declining keeps the image.
            List<String> questions = new java.util.concurrent.CopyOnWriteArrayList<>();
            page.onceDialog(dialog -> {
                questions.add(dialog.message());
                dialog.dismiss();
            });
            page.getByTestId("owner-delete").click();
            assertEquals(List.of("Delete this image and all its sizes? This cannot be undone."), questions);
            assertThat(page.getByTestId("viewer-title")).hasText("Harbour at dusk");

            APIResponse file = context.request().get(direct);
            assertEquals(200, file.status());
            assertEquals("image/jpeg", file.headers().get("content-type"));
            assertEquals(List.of(1200, 800), dims(file.body()));

            // The delete link asks first, then deletes.
            page.navigate(deleteUrl);
            assertThat(page.getByRole(AriaRole.HEADING, new Page.GetByRoleOptions().setName("Delete this image?")))
                    .isVisible();
            page.screenshot(new Page.ScreenshotOptions()
                    .setPath(SCREENSHOTS.resolve("delete-confirm.png"))
                    .setFullPage(true));
            assertEquals(200, context.request().get(direct).status(), "a GET of the delete link deletes nothing");
            page.getByTestId("confirm-delete").click();
            assertThat(page.getByTestId("deleted")).isVisible();
            assertEquals(404, context.request().get(direct).status());
            assertEquals(404, context.request().get(viewerUrl).status());

            assertEquals(List.of(), problems, "the pages had broken requests or script errors");
        }
    }

    @Test
    void aGuestUploadsFromTheHomePageCallToAction() throws Exception {
        Path jpeg = work.resolve("guest.jpg");
        Files.write(jpeg, TestImages.jpeg(800, 600, 11));
        try (BrowserContext context = browser.newContext(
                new Browser.NewContextOptions().setViewportSize(1280, 900).setColorScheme(ColorScheme.DARK))) {
            Page page = context.newPage();
            List<String> problems = watch(page);

            page.navigate(base + "/");
            assertThat(page.getByTestId("signed-in-user")).hasCount(0);
            page.screenshot(new Page.ScreenshotOptions()
                    .setPath(SCREENSHOTS.resolve("home-guest-dark.png"))
                    .setFullPage(true));
            page.getByTestId("upload-cta").click();
            assertThat(page).hasURL(base + "/upload");
            assertScriptAndStylesheetApplied(page);
            assertThat(page.getByTestId("upload-not-allowed")).hasCount(0);
            assertThat(page.getByTestId("dropzone")).containsText("up to 10 MB"); // the guest limit, 10 MiB

            page.getByTestId("file-input").setInputFiles(jpeg);
            page.getByTestId("upload-button").click();
            Locator item = page.getByTestId("upload-item").nth(0);
            awaitFinished(item, "done");
            Locator thumb = item.getByTestId("upload-thumb");
            page.waitForFunction("img => img.complete && img.naturalWidth > 0", thumb.elementHandle());
            assertEquals(320, ((Number) thumb.evaluate("img => img.naturalWidth")).intValue());
            assertThat(item.getByTestId("delete-link"))
                    .hasAttribute("href", Pattern.compile("/delete/[A-Za-z0-9]{40}$"));
            page.screenshot(new Page.ScreenshotOptions()
                    .setPath(SCREENSHOTS.resolve("upload-guest-dark.png"))
                    .setFullPage(true));

            // The same file again from the same address: the server's duplicate check answers.
            page.getByTestId("file-input").setInputFiles(jpeg);
            page.getByTestId("upload-button").click();
            Locator again = page.getByTestId("upload-item").nth(1);
            awaitFinished(again, "error");
            assertThat(again.getByTestId("upload-error"))
                    .hasText("Duplicated upload: this image was uploaded already.");

            // Paste from the clipboard and drop onto the drop zone (the browser's own events, with a made-up image).
            page.evaluate(ADD_BY_EVENT, List.of("paste", "#c0392b"));
            page.evaluate(ADD_BY_EVENT, List.of("drop", "#27ae60"));
            Locator pasted = page.getByTestId("upload-item")
                    .filter(new Locator.FilterOptions().setHasText(Pattern.compile("pasted-\\d{8}-\\d{6}\\.png")));
            Locator dropped =
                    page.getByTestId("upload-item").filter(new Locator.FilterOptions().setHasText("dropped.png"));
            assertThat(pasted).hasAttribute("data-state", "waiting");
            assertThat(dropped).hasAttribute("data-state", "waiting");
            assertThat(page.getByTestId("upload-button")).hasText("Upload 2 images");
            page.getByTestId("upload-button").click();
            awaitFinished(pasted, "done");
            awaitFinished(dropped, "done");
            assertThat(page.locator("#all-links")).isVisible(); // more than one uploaded: all links in one box
            assertEquals(3, page.locator("#all-links-text").inputValue().lines().count());

            item.getByTestId("viewer-link").click();
            assertThat(page.getByTestId("viewer-title")).hasText("guest"); // no title given: the file's name
            assertThat(page.getByTestId("viewer")).containsText("Uploaded by a guest");
            page.screenshot(new Page.ScreenshotOptions()
                    .setPath(SCREENSHOTS.resolve("viewer-guest-dark.png"))
                    .setFullPage(true));

            // Phone-sized screen.
            page.setViewportSize(390, 844);
            page.navigate(base + "/upload");
            page.getByTestId("file-input")
                    .setInputFiles(new FilePayload("phone.png", "image/png", TestImages.png(640, 480, 12)));
            page.getByTestId("upload-button").click();
            awaitFinished(page.getByTestId("upload-item").nth(0), "done");
            page.screenshot(new Page.ScreenshotOptions()
                    .setPath(SCREENSHOTS.resolve("upload-phone-dark.png"))
                    .setFullPage(true));
            assertEquals(
                    Boolean.FALSE,
                    page.evaluate("() => document.documentElement.scrollWidth > window.innerWidth"),
                    "the upload page scrolls sideways on a phone");

            // When the administrator turns guest uploads off, the page says so instead of offering a form.
            app.settings().update(system(), "guest_uploads", "0");
            try {
                page.navigate(base + "/upload");
                assertThat(page.getByTestId("upload-not-allowed")).containsText("Only members can upload images");
                assertThat(page.getByTestId("dropzone")).hasCount(0);
            } finally {
                app.settings().update(system(), "guest_uploads", "1");
            }

            assertEquals(List.of(), problems, "the pages had broken requests or script errors");
        }
    }

    @Test
    void withoutJavaScriptThePageIsAPlainFormThatAnswersWithJson() throws Exception {
        Path png = work.resolve("no-script.png");
        Files.write(png, TestImages.png(200, 150, 13));
        try (BrowserContext context = browser.newContext(new Browser.NewContextOptions().setJavaScriptEnabled(false))) {
            Page page = context.newPage();
            page.navigate(base + "/upload");
            assertThat(page.getByTestId("file-input")).isVisible();
            page.getByLabel("Title").fill("No script");
            page.getByTestId("file-input").setInputFiles(png);
            com.microsoft.playwright.Response answer = page.waitForResponse(
                    r -> r.url().equals(base + "/upload")
                            && r.request().method().equals("POST"),
                    () -> page.getByTestId("upload-button").click());
            assertEquals(200, answer.status(), answer.text());
            page.waitForLoadState();
            String body = page.locator("body").innerText();
            assertTrue(body.contains("\"status_code\":200") && body.contains("\"title\":\"No script\""), body);
        }
    }

    /** Makes a small PNG in the page and hands it over by a paste or a drop event, as the browser would. */
    private static final String ADD_BY_EVENT = """
            async ([kind, color]) => {
              const canvas = document.createElement("canvas");
              canvas.width = 120;
              canvas.height = 90;
              const g = canvas.getContext("2d");
              g.fillStyle = color;
              g.fillRect(0, 0, 120, 90);
              const blob = await new Promise(resolve => canvas.toBlob(resolve, "image/png"));
              const data = new DataTransfer();
              data.items.add(new File([blob], kind === "paste" ? "image.png" : "dropped.png", { type: "image/png" }));
              if (kind === "paste") {
                document.body.dispatchEvent(new ClipboardEvent("paste", { clipboardData: data, bubbles: true, cancelable: true }));
              } else {
                const zone = document.getElementById("dropzone");
                for (const type of ["dragenter", "dragover", "drop"]) {
                  zone.dispatchEvent(new DragEvent(type, { dataTransfer: data, bubbles: true, cancelable: true }));
                }
              }
            }""";

    // ---- helpers -----------------------------------------------------------------------------------------------

    /** POSTs to /upload seen by any page (to prove a refused file was never sent). */
    private final List<String> uploadPosts = new CopyOnWriteArrayList<>();

    /** Broken requests and script errors on the page; the refusals this test provokes are expected. */
    private List<String> watch(Page page) {
        List<String> problems = new CopyOnWriteArrayList<>();
        page.onRequest(r -> {
            if (r.method().equals("POST") && r.url().equals(base + "/upload")) {
                uploadPosts.add(r.url());
            }
        });
        page.onResponse(r -> {
            boolean expectedRefusal = (r.status() == 400 || r.status() == 409)
                    && r.request().method().equals("POST")
                    && r.url().equals(base + "/upload");
            if (r.status() >= 400 && !expectedRefusal) {
                problems.add(r.status() + " " + r.url());
            }
        });
        page.onRequestFailed(r -> problems.add("failed " + r.url() + ": " + r.failure()));
        page.onConsoleMessage(m -> {
            if ("error".equals(m.type()) && !m.text().matches(".*status of (400|409).*")) {
                problems.add("console: " + m.text() + " @ " + m.location());
            }
        });
        page.onPageError(e -> problems.add("page error: " + e));
        return problems;
    }

    /** Waits until the queue item has finished, then checks it ended in {@code state} (showing its text otherwise). */
    private static void awaitFinished(Locator item, String state) {
        assertThat(item)
                .hasAttribute(
                        "data-state",
                        Pattern.compile("^(done|error)$"),
                        new LocatorAssertions.HasAttributeOptions().setTimeout(FINISH_TIMEOUT_MS));
        assertEquals(state, item.getAttribute("data-state"), "upload ended otherwise: " + item.innerText());
    }

    /** The stylesheet applies (the body is a flex column) and upload.js ran (it marks the document). */
    private static void assertScriptAndStylesheetApplied(Page page) {
        assertEquals(
                "flex", page.evaluate("() => getComputedStyle(document.body).display"), "tesela.css is not applied");
        assertThat(page.locator("html")).hasClass(Pattern.compile("\\bjs\\b"));
    }

    private static List<Integer> dims(byte[] image) {
        int[] size = TestImages.size(image);
        return List.of(size[0], size[1]);
    }

    private RequestContext system() {
        return site.system();
    }

    private static Path chromium() {
        String configured = System.getenv("TESELA_TEST_CHROMIUM");
        Path path = Path.of(configured == null || configured.isBlank() ? "/usr/bin/chromium" : configured);
        if (!Files.isRegularFile(path)) {
            String message =
                    "Chromium not found at " + path + " (set TESELA_TEST_CHROMIUM or apt-get install chromium)";
            if (Services.REQUIRED) {
                Assertions.fail(message + " and TESELA_TEST_REQUIRE_SERVICES=1");
            }
            Assumptions.abort(message + "; skipping");
        }
        return path;
    }
}
