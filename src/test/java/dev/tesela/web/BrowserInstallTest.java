package dev.tesela.web;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.BrowserType;
import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Playwright;
import com.microsoft.playwright.options.AriaRole;
import dev.tesela.App;
import dev.tesela.platform.context.Principal;
import dev.tesela.testing.Services;
import dev.tesela.testing.TestDatabase;
import dev.tesela.testing.TestSite;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The web installer in a real browser: Debian's Chromium driven by Playwright against the real app on H2. Takes
 * screenshots of the installer and the home page to {@code target/screenshots/}. Skipped when Chromium is not
 * installed, unless {@code TESELA_TEST_REQUIRE_SERVICES=1} (CI), where that fails the test.
 */
class BrowserInstallTest {
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

    @Test
    void installSignInAndSignOutInChromium() throws Exception {
        Path chromium = chromium();
        Files.createDirectories(SCREENSHOTS);
        try (TestSite site = TestSite.on(TestDatabase.Kind.H2).serving().start()) {
            App app = site.app();
            String base = site.base();
            try (Playwright playwright = Playwright.create();
                    Browser browser = playwright
                            .chromium()
                            .launch(new BrowserType.LaunchOptions()
                                    .setExecutablePath(chromium)
                                    .setHeadless(true)
                                    .setArgs(CHROMIUM_ARGS));
                    BrowserContext context =
                            browser.newContext(new Browser.NewContextOptions().setViewportSize(1280, 800))) {
                Page page = context.newPage();
                // Anything broken on the pages (a missing stylesheet, a script error) shows up here.
                List<String> problems = new CopyOnWriteArrayList<>();
                page.onResponse(r -> {
                    if (r.status() >= 400) {
                        problems.add(r.status() + " " + r.url());
                    }
                });
                page.onRequestFailed(r -> problems.add("failed " + r.url() + ": " + r.failure()));
                page.onConsoleMessage(m -> {
                    if ("error".equals(m.type())) {
                        problems.add("console: " + m.text() + " @ " + m.location());
                    }
                });
                page.onPageError(e -> problems.add("page error: " + e));

                page.navigate(base + "/");
                assertThat(page).hasURL(base + "/install");
                assertThat(page).hasTitle(Pattern.compile("^Install"));
                assertThat(page.getByRole(AriaRole.HEADING, new Page.GetByRoleOptions().setName("Set up your site")))
                        .isVisible();
                assertStylesheetApplied(page);
                assertThat(page.locator("header")
                                .getByRole(AriaRole.LINK, new Locator.GetByRoleOptions().setName("Sign in")))
                        .hasCount(0);

                page.getByLabel("Username").fill("admin");
                page.getByLabel("E-mail").fill("admin@example.com");
                page.getByLabel("Password").fill("correct horse battery");
                page.screenshot(new Page.ScreenshotOptions()
                        .setPath(SCREENSHOTS.resolve("install.png"))
                        .setFullPage(true));

                page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Install"))
                        .click();
                assertThat(page).hasURL(base + "/");
                assertThat(page.getByTestId("signed-in-user")).hasText("admin");
                Locator signOut = page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Sign out"));
                assertThat(signOut).isVisible();
                assertThat(page.getByText("Signed in as admin.")).isVisible();
                assertStylesheetApplied(page);
                page.screenshot(new Page.ScreenshotOptions()
                        .setPath(SCREENSHOTS.resolve("home.png"))
                        .setFullPage(true));

                var admin = app.accounts()
                        .findUser(site.system(), "admin")
                        .orElseThrow(() -> new AssertionError("the browser install created no administrator"));
                assertEquals(Principal.Role.ADMIN, admin.role());
                assertTrue(
                        context.cookies().stream().anyMatch(c -> c.name.equals("tsl_session") && c.httpOnly),
                        "no HttpOnly session cookie in the browser: " + context.cookies());

                signOut.click();
                assertThat(page).hasURL(base + "/");
                assertThat(page.locator("header")
                                .getByRole(AriaRole.LINK, new Locator.GetByRoleOptions().setName("Sign in")))
                        .isVisible();
                assertThat(page.getByTestId("signed-in-user")).hasCount(0);
                assertTrue(
                        context.cookies().stream().noneMatch(c -> c.name.equals("tsl_session")),
                        "session cookie survived sign-out: " + context.cookies());

                assertEquals(List.of(), problems, "the pages had broken requests or script errors");
                Assertions.assertTrue(Files.size(SCREENSHOTS.resolve("install.png")) > 1000);
                Assertions.assertTrue(Files.size(SCREENSHOTS.resolve("home.png")) > 1000);
            }
        }
    }

    /** The stylesheet loaded and applies (tesela.css makes the body a flex column). */
    private static void assertStylesheetApplied(Page page) {
        assertEquals(
                "flex", page.evaluate("() => getComputedStyle(document.body).display"), "tesela.css is not applied");
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
