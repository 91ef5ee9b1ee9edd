package dev.tesela.media;

import java.util.ArrayList;
import java.util.List;

/** Embed codes of an image: direct links, HTML, BBCode and Markdown, for the full size, medium and thumbnail. */
final class Embeds {
    private Embeds() {}

    static List<ImagePage.EmbedGroup> of(ImageLinks links) {
        String title = links.image().title() == null ? "image" : links.image().title();
        String alt = ApiV1Json.escape(title);
        String viewer = links.urlViewer();
        String full = links.url();
        String medium = links.mediumUrl();
        String thumb = links.thumbUrl();
        List<ImagePage.EmbedGroup> groups = new ArrayList<>();
        groups.add(new ImagePage.EmbedGroup(
                "Links",
                List.of(
                        new ImagePage.Embed("Viewer link", viewer),
                        new ImagePage.Embed("Direct link", full),
                        new ImagePage.Embed("Short link", links.urlShort()))));
        List<ImagePage.Embed> html = new ArrayList<>();
        html.add(new ImagePage.Embed("HTML full image", "<img src=\"" + full + "\" alt=\"" + alt + "\">"));
        if (medium != null) {
            html.add(new ImagePage.Embed(
                    "HTML medium linked",
                    "<a href=\"" + viewer + "\"><img src=\"" + medium + "\" alt=\"" + alt + "\"></a>"));
        }
        html.add(new ImagePage.Embed(
                "HTML thumbnail linked",
                "<a href=\"" + viewer + "\"><img src=\"" + thumb + "\" alt=\"" + alt + "\"></a>"));
        groups.add(new ImagePage.EmbedGroup("HTML", html));
        List<ImagePage.Embed> bb = new ArrayList<>();
        bb.add(new ImagePage.Embed("BBCode full image", "[img]" + full + "[/img]"));
        if (medium != null) {
            bb.add(new ImagePage.Embed("BBCode medium linked", "[url=" + viewer + "][img]" + medium + "[/img][/url]"));
        }
        bb.add(new ImagePage.Embed("BBCode thumbnail linked", "[url=" + viewer + "][img]" + thumb + "[/img][/url]"));
        groups.add(new ImagePage.EmbedGroup("BBCode", bb));
        String mdAlt = title.replace("[", "").replace("]", "");
        List<ImagePage.Embed> md = new ArrayList<>();
        md.add(new ImagePage.Embed("Markdown full image", "![" + mdAlt + "](" + full + ")"));
        if (medium != null) {
            md.add(new ImagePage.Embed("Markdown medium linked", "[![" + mdAlt + "](" + medium + ")](" + viewer + ")"));
        }
        md.add(new ImagePage.Embed("Markdown thumbnail linked", "[![" + mdAlt + "](" + thumb + ")](" + viewer + ")"));
        groups.add(new ImagePage.EmbedGroup("Markdown", md));
        return groups;
    }
}
