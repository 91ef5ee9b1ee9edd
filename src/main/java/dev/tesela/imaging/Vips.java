package dev.tesela.imaging;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Our own small binding of the libvips 8.x C API over the JDK's FFM API: only the calls {@link VipsProcessor} needs.
 *
 * <p>One process-wide instance ({@link #instance()}): libvips is initialised once, with one worker thread per
 * operation ({@code vips_concurrency_set(1)}: the caller runs jobs in parallel), no operation cache (a server would
 * only fill it: 0 operations, 0 bytes, 0 files) and the loaders libvips flags as untrusted blocked (ImageMagick, MATLAB, FITS, ...), so a file can
 * only ever reach the JPEG, PNG, GIF, WebP and HEIF loaders. libvips's warnings go to SLF4J at DEBUG, not stderr.
 *
 * <p>Thread-safety: libvips is thread-safe and every handle here is immutable. Callers pass their own (confined)
 * arena for strings and out-parameters. {@code VipsImage*} results are owned by the caller, who must {@link #unref}
 * them. The error buffer is process-wide: under concurrency a message may carry another thread's text too.
 */
final class Vips {
    private static final Logger LOG = LoggerFactory.getLogger(Vips.class);
    private static final Linker LINKER = Linker.nativeLinker();

    /** VIPS_MAX_COORD: the largest size vips_thumbnail accepts; used as "no bound". */
    static final int MAX_COORD = 10_000_000;

    // GLogLevelFlags
    private static final int G_LOG_LEVEL_CRITICAL = 1 << 3;
    private static final int G_LOG_LEVEL_WARNING = 1 << 4;
    private static final int G_LOG_LEVEL_MESSAGE = 1 << 5;
    private static final int G_LOG_LEVEL_INFO = 1 << 6;
    private static final int G_LOG_LEVEL_DEBUG = 1 << 7;

    private static Vips instance;
    private static String unavailable;

    private final SymbolLookup symbols;
    private final MethodHandle errorBufferCopy;
    private final MethodHandle gFree;
    private final MethodHandle gStrfreev;
    private final MethodHandle objectUnref;
    private final MethodHandle typeFind;
    private final MethodHandle foreignFindLoad;
    private final MethodHandle thumbnail;
    private final MethodHandle thumbnailImage;
    private final MethodHandle newFromFile;
    private final MethodHandle extractArea;
    private final MethodHandle orientationSwap;
    private final MethodHandle copy;
    private final MethodHandle iccTransform;
    private final MethodHandle imageGetTypeof;
    private final MethodHandle black;
    private final MethodHandle imageGetFields;
    private final MethodHandle imageRemove;
    private final MethodHandle imageGetWidth;
    private final MethodHandle imageGetHeight;
    private final MethodHandle imageGetPageHeight;
    private final MethodHandle writeToFile;
    private final MethodHandle writeToBuffer;

    /** Enum values resolved by nickname at start-up, so no C header constant is copied here. */
    final int sizeBoth;

    final int sizeDown;
    final int interestingNone;
    final int interestingCentre;
    final int failOnError;
    /** "libvips 8.14.1". */
    final String description;

    /**
     * The process-wide binding, initialising libvips on first use.
     *
     * @throws IllegalStateException when libvips cannot be loaded or initialised; the message says why (the same
     *                               message on every later call, without retrying)
     */
    static synchronized Vips instance() {
        if (instance == null && unavailable == null) {
            try {
                instance = new Vips();
            } catch (RuntimeException | Error e) {
                unavailable = e.getClass().getSimpleName() + ": " + e.getMessage();
            }
        }
        if (instance == null) {
            throw new IllegalStateException("libvips is not available: " + unavailable);
        }
        return instance;
    }

    /** The binding, or empty when libvips cannot be loaded here. */
    static Optional<Vips> ifAvailable() {
        try {
            return Optional.of(instance());
        } catch (IllegalStateException e) {
            return Optional.empty();
        }
    }

    private Vips() {
        Arena global = Arena.global();
        // libvips pulls glib and gobject in; looking them up too makes g_free / g_object_unref resolvable wherever
        // the dynamic linker put them.
        symbols = SymbolLookup.libraryLookup("libvips.so.42", global)
                .or(SymbolLookup.libraryLookup("libgobject-2.0.so.0", global))
                .or(SymbolLookup.libraryLookup("libglib-2.0.so.0", global));

        MethodHandle init = fixed("vips_init", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        errorBufferCopy = fixed("vips_error_buffer_copy", FunctionDescriptor.of(ADDRESS));
        gFree = fixed("g_free", FunctionDescriptor.ofVoid(ADDRESS));
        try {
            if ((int) init.invokeExact(global.allocateFrom("tesela")) != 0) {
                throw new IllegalStateException("vips_init failed: " + takeError());
            }
        } catch (IllegalStateException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("vips_init failed", t);
        }

        gStrfreev = fixed("g_strfreev", FunctionDescriptor.ofVoid(ADDRESS));
        objectUnref = fixed("g_object_unref", FunctionDescriptor.ofVoid(ADDRESS));
        typeFind = fixed("vips_type_find", FunctionDescriptor.of(JAVA_LONG, ADDRESS, ADDRESS));
        foreignFindLoad = fixed("vips_foreign_find_load", FunctionDescriptor.of(ADDRESS, ADDRESS));
        // int vips_thumbnail(const char *filename, VipsImage **out, int width, ...): always the same four options.
        thumbnail = variadic(
                "vips_thumbnail",
                3,
                FunctionDescriptor.of(
                        JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT,
                        ADDRESS, JAVA_INT, ADDRESS));
        // int vips_thumbnail_image(VipsImage *in, VipsImage **out, int width, ...): the same options as vips_thumbnail.
        thumbnailImage = variadic(
                "vips_thumbnail_image",
                3,
                FunctionDescriptor.of(
                        JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT,
                        ADDRESS, JAVA_INT, ADDRESS));
        newFromFile = variadic("vips_image_new_from_file", 1, FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS));
        extractArea = variadic(
                "vips_extract_area",
                6,
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS));
        orientationSwap = fixed("vips_image_get_orientation_swap", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        copy = variadic("vips_copy", 2, FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
        iccTransform = variadic(
                "vips_icc_transform",
                3,
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, JAVA_INT, ADDRESS));
        imageGetTypeof = fixed("vips_image_get_typeof", FunctionDescriptor.of(JAVA_LONG, ADDRESS, ADDRESS));
        black = variadic(
                "vips_black",
                3,
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS));
        imageGetFields = fixed("vips_image_get_fields", FunctionDescriptor.of(ADDRESS, ADDRESS));
        imageRemove = fixed("vips_image_remove", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        imageGetWidth = fixed("vips_image_get_width", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        imageGetHeight = fixed("vips_image_get_height", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        imageGetPageHeight = fixed("vips_image_get_page_height", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        writeToFile =
                variadic("vips_image_write_to_file", 2, FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
        writeToBuffer = variadic(
                "vips_image_write_to_buffer",
                4,
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS));

        try {
            fixed("vips_concurrency_set", FunctionDescriptor.ofVoid(JAVA_INT)).invokeExact(1);
            // No operation cache at all: nothing of one upload outlives its render (memory, open files).
            fixed("vips_cache_set_max", FunctionDescriptor.ofVoid(JAVA_INT)).invokeExact(0);
            fixed("vips_cache_set_max_mem", FunctionDescriptor.ofVoid(JAVA_LONG))
                    .invokeExact(0L);
            fixed("vips_cache_set_max_files", FunctionDescriptor.ofVoid(JAVA_INT))
                    .invokeExact(0);
            fixed("vips_block_untrusted_set", FunctionDescriptor.ofVoid(JAVA_INT))
                    .invokeExact(1);
            MethodHandle version = fixed("vips_version", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
            description = "libvips " + (int) version.invokeExact(0) + "." + (int) version.invokeExact(1) + "."
                    + (int) version.invokeExact(2);
            sizeBoth = enumValue("vips_size_get_type", "both");
            sizeDown = enumValue("vips_size_get_type", "down");
            interestingNone = enumValue("vips_interesting_get_type", "none");
            interestingCentre = enumValue("vips_interesting_get_type", "centre");
            failOnError = enumValue("vips_fail_on_get_type", "error");
            routeWarningsToSlf4j();
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("libvips set-up failed", t);
        }
    }

    // ---- operations ------------------------------------------------------------------------------------------

    /**
     * {@code vips_thumbnail}: load {@code filename} (which may end in a loader option string such as {@code [n=-1]}),
     * auto-rotate, convert CMYK to sRGB and 16-bit to 8-bit, and size into {@code width} × {@code height}. An RGB
     * source's embedded profile stays attached, pixels unconverted: see {@link #toSrgb}. (Its own
     * {@code export_profile} is not used: in 8.14 it also transforms profile-less images, and turns pure blue into
     * #550ffd on the way.)
     *
     * @return the new image (caller unrefs)
     * @throws VipsException with libvips's message
     */
    MemorySegment thumbnail(Arena arena, String filename, int width, int height, int size, int crop) {
        MemorySegment out = arena.allocate(ADDRESS);
        int rc;
        try {
            rc = (int) thumbnail.invokeExact(
                    arena.allocateFrom(filename),
                    out,
                    width,
                    arena.allocateFrom("height"),
                    height,
                    arena.allocateFrom("size"),
                    size,
                    arena.allocateFrom("crop"),
                    crop,
                    arena.allocateFrom("fail_on"),
                    failOnError,
                    MemorySegment.NULL);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        return check(rc, out);
    }

    /**
     * {@code vips_thumbnail_image}: like {@link #thumbnail} but on an image already loaded (no shrink-on-load), which
     * keeps its header (the EXIF orientation is still applied).
     *
     * @return the new image (caller unrefs; {@code image} stays the caller's)
     * @throws VipsException with libvips's message
     */
    MemorySegment thumbnailImage(Arena arena, MemorySegment image, int width, int height, int size, int crop) {
        MemorySegment out = arena.allocate(ADDRESS);
        int rc;
        try {
            rc = (int) thumbnailImage.invokeExact(
                    image,
                    out,
                    width,
                    arena.allocateFrom("height"),
                    height,
                    arena.allocateFrom("size"),
                    size,
                    arena.allocateFrom("crop"),
                    crop,
                    arena.allocateFrom("fail_on"),
                    failOnError,
                    MemorySegment.NULL);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        return check(rc, out);
    }

    /**
     * {@code vips_image_new_from_file}: opens {@code filename} (which may end in a loader option string such as
     * {@code [access=sequential,fail_on=error]}); only the header is read until pixels are asked for.
     *
     * @return the new image (caller unrefs)
     * @throws VipsException with libvips's message
     */
    MemorySegment open(Arena arena, String filename) {
        MemorySegment image;
        try {
            image = (MemorySegment) newFromFile.invokeExact(arena.allocateFrom(filename), MemorySegment.NULL);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        if (image.equals(MemorySegment.NULL)) {
            throw new VipsException(takeError());
        }
        return image;
    }

    /**
     * {@code vips_extract_area}: the {@code width} × {@code height} region of {@code image} at {@code left, top}.
     *
     * @return the new image (caller unrefs; {@code image} stays the caller's)
     * @throws VipsException with libvips's message (e.g. the region is not inside the image)
     */
    MemorySegment extractArea(Arena arena, MemorySegment image, int left, int top, int width, int height) {
        MemorySegment out = arena.allocate(ADDRESS);
        int rc;
        try {
            rc = (int) extractArea.invokeExact(image, out, left, top, width, height, MemorySegment.NULL);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        return check(rc, out);
    }

    /** Whether applying {@code image}'s EXIF orientation turns it by a quarter turn (swaps width and height). */
    boolean orientationSwaps(MemorySegment image) {
        try {
            return (int) orientationSwap.invokeExact(image) != 0;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * {@code image} transformed from its attached ICC profile to sRGB ({@code vips_icc_transform(in, &out, "srgb",
     * "embedded", TRUE)}), 8-bit; empty when it has no profile.
     *
     * @throws VipsException when the profile is unusable
     */
    Optional<MemorySegment> toSrgb(Arena arena, MemorySegment image) {
        try {
            if ((long) imageGetTypeof.invokeExact(image, arena.allocateFrom("icc-profile-data")) == 0) {
                return Optional.empty();
            }
            MemorySegment out = arena.allocate(ADDRESS);
            int rc = (int) iccTransform.invokeExact(
                    image, out, arena.allocateFrom("srgb"), arena.allocateFrom("embedded"), 1, MemorySegment.NULL);
            return Optional.of(check(rc, out));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * A copy of {@code image} whose header keeps only {@code keep} among the optional metadata fields (EXIF, XMP,
     * IPTC, ICC, comments all go). Needed because 8.14's webpsave writes EXIF even with {@code strip}.
     */
    MemorySegment copyKeepingOnly(Arena arena, MemorySegment image, Set<String> keep) {
        MemorySegment out = arena.allocate(ADDRESS);
        int rc;
        try {
            rc = (int) copy.invokeExact(image, out, MemorySegment.NULL);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        MemorySegment copied = check(rc, out);
        try {
            MemorySegment names = (MemorySegment) imageGetFields.invokeExact(copied);
            try {
                MemorySegment array = names.reinterpret(Long.MAX_VALUE);
                for (long i = 0; ; i++) {
                    MemorySegment name = array.getAtIndex(ADDRESS, i);
                    if (name.equals(MemorySegment.NULL)) {
                        break;
                    }
                    String field = name.reinterpret(Long.MAX_VALUE).getString(0);
                    if (!keep.contains(field)) {
                        int ignored = (int) imageRemove.invokeExact(copied, name);
                    }
                }
            } finally {
                gStrfreev.invokeExact(names);
            }
        } catch (Throwable t) {
            unref(copied);
            throw rethrow(t);
        }
        return copied;
    }

    /**
     * {@code vips_image_write_to_file}: the saver is chosen by the extension of {@code filename}, which may end in a
     * saver option string such as {@code [Q=82,strip]}.
     *
     * @throws VipsException with libvips's message (a decode error of a sequential source surfaces here too)
     */
    void writeToFile(Arena arena, MemorySegment image, String filename) {
        int rc;
        try {
            rc = (int) writeToFile.invokeExact(image, arena.allocateFrom(filename), MemorySegment.NULL);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        if (rc != 0) {
            throw new VipsException(takeError());
        }
    }

    int width(MemorySegment image) {
        try {
            return (int) imageGetWidth.invokeExact(image);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    int height(MemorySegment image) {
        try {
            return (int) imageGetHeight.invokeExact(image);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Height of one frame: the {@code page-height} field when it divides the height, else the whole height. */
    int pageHeight(MemorySegment image) {
        try {
            return (int) imageGetPageHeight.invokeExact(image);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Drops one reference to a {@code VipsImage*} (or any GObject); NULL is ignored. */
    void unref(MemorySegment object) {
        if (object == null || object.equals(MemorySegment.NULL)) {
            return;
        }
        try {
            objectUnref.invokeExact(object);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * The class name of the loader libvips would pick for {@code filename} by sniffing its bytes (e.g.
     * {@code VipsForeignLoadJpegFile}), or empty when no loader recognises it.
     */
    Optional<String> loaderFor(Arena arena, String filename) {
        try {
            MemorySegment name = (MemorySegment) foreignFindLoad.invokeExact(arena.allocateFrom(filename));
            if (name.equals(MemorySegment.NULL)) {
                takeError();
                return Optional.empty();
            }
            return Optional.of(name.reinterpret(Long.MAX_VALUE).getString(0));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Whether an operation with this nickname (e.g. {@code heifload}) exists in this libvips. */
    boolean hasOperation(String nickname) {
        try (Arena arena = Arena.ofConfined()) {
            return (long) typeFind.invokeExact(arena.allocateFrom("VipsOperation"), arena.allocateFrom(nickname)) != 0;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * Whether a small RGB image saves to a buffer with {@code suffix} (e.g. {@code .avif}): probes encoders that are
     * plug-ins of a library (libheif's AV1 and HEVC encoders) rather than operations of libvips.
     */
    boolean canSave(String suffix) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ADDRESS);
            int rc = (int) black.invokeExact(out, 16, 16, arena.allocateFrom("bands"), 3, MemorySegment.NULL);
            MemorySegment image = check(rc, out);
            try {
                MemorySegment buffer = arena.allocate(ADDRESS);
                MemorySegment length = arena.allocate(JAVA_LONG);
                rc = (int) writeToBuffer.invokeExact(
                        image, arena.allocateFrom(suffix), buffer, length, MemorySegment.NULL);
                if (rc != 0) {
                    LOG.debug("libvips cannot save {}: {}", suffix, takeError());
                    return false;
                }
                gFree.invokeExact(buffer.get(ADDRESS, 0));
                return length.get(JAVA_LONG, 0) > 0;
            } finally {
                unref(image);
            }
        } catch (VipsException e) {
            LOG.debug("libvips cannot save {}: {}", suffix, e.getMessage());
            return false;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // ---- plumbing --------------------------------------------------------------------------------------------

    /** The out-parameter's image when {@code rc} is 0; otherwise libvips's error as a {@link VipsException}. */
    private MemorySegment check(int rc, MemorySegment out) {
        if (rc != 0) {
            throw new VipsException(takeError());
        }
        return out.get(ADDRESS, 0);
    }

    /** Copies and clears libvips's error buffer; trailing newlines trimmed, never empty. */
    String takeError() {
        try {
            MemorySegment copy = (MemorySegment) errorBufferCopy.invokeExact();
            String text = copy.equals(MemorySegment.NULL)
                    ? ""
                    : copy.reinterpret(Long.MAX_VALUE).getString(0);
            if (!copy.equals(MemorySegment.NULL)) {
                gFree.invokeExact(copy);
            }
            text = text.strip();
            return text.isEmpty() ? "libvips reported no message" : text.replace('\n', ' ');
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private int enumValue(String getType, String nick) throws Throwable {
        long type = (long) fixed(getType, FunctionDescriptor.of(JAVA_LONG)).invokeExact();
        MethodHandle fromNick =
                fixed("vips_enum_from_nick", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, ADDRESS));
        try (Arena arena = Arena.ofConfined()) {
            int value = (int) fromNick.invokeExact(arena.allocateFrom("tesela"), type, arena.allocateFrom(nick));
            if (value < 0) {
                throw new IllegalStateException(
                        "libvips has no value '" + nick + "' in " + getType + ": " + takeError());
            }
            return value;
        }
    }

    /** g_log_set_handler("VIPS", warning|message|info|debug|critical, onLog, NULL): no writes to stderr. */
    private void routeWarningsToSlf4j() throws Throwable {
        MethodHandle target = MethodHandles.lookup()
                .findStatic(
                        Vips.class,
                        "onLog",
                        MethodType.methodType(
                                void.class, MemorySegment.class, int.class, MemorySegment.class, MemorySegment.class));
        MemorySegment stub = LINKER.upcallStub(
                target, FunctionDescriptor.ofVoid(ADDRESS, JAVA_INT, ADDRESS, ADDRESS), Arena.global());
        MethodHandle setHandler =
                fixed("g_log_set_handler", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, ADDRESS));
        int levels =
                G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING | G_LOG_LEVEL_MESSAGE | G_LOG_LEVEL_INFO | G_LOG_LEVEL_DEBUG;
        int ignored =
                (int) setHandler.invokeExact(Arena.global().allocateFrom("VIPS"), levels, stub, MemorySegment.NULL);
    }

    /** GLogFunc upcall; may run on a libvips worker thread. Must never throw (that would abort the JVM). */
    private static void onLog(MemorySegment domain, int level, MemorySegment message, MemorySegment userData) {
        try {
            String text = message.equals(MemorySegment.NULL)
                    ? ""
                    : message.reinterpret(Long.MAX_VALUE).getString(0);
            if ((level & G_LOG_LEVEL_CRITICAL) != 0) {
                LOG.warn("libvips: {}", text);
            } else {
                LOG.debug("libvips: {}", text);
            }
        } catch (Throwable ignored) {
            // nothing sensible to do inside a native callback
        }
    }

    private MethodHandle fixed(String name, FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(symbol(name), descriptor);
    }

    private MethodHandle variadic(String name, int firstVariadic, FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(symbol(name), descriptor, Linker.Option.firstVariadicArg(firstVariadic));
    }

    private MemorySegment symbol(String name) {
        return symbols.find(name)
                .orElseThrow(() -> new IllegalStateException("symbol " + name + " not found in libvips"));
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            throw r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException(t);
    }

    /** An operation failed; the message is libvips's error buffer. */
    static final class VipsException extends RuntimeException {
        VipsException(String message) {
            super(message);
        }
    }
}
