package dev.tesela.media;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.tesela.platform.context.RequestContext;
import dev.tesela.platform.error.AppException;
import dev.tesela.platform.error.ErrorCode;
import dev.tesela.platform.security.PublicIds;
import dev.tesela.settings.SettingsService;
import java.time.Duration;

/**
 * The public-id codec of each tenant: salted base-62 with the salt made at install (variable {@code id_salt}), so
 * ids of one site reveal nothing about another and cannot be enumerated. Cached per tenant (the salt never changes
 * after install); thread-safe.
 */
final class PublicIdCodecs {
    static final int PADDING = 999;
    private final SettingsService settings;
    private final Cache<String, PublicIds> byTenant = Caffeine.newBuilder()
            .maximumSize(20_000).expireAfterAccess(Duration.ofMinutes(30)).build();

    PublicIdCodecs(SettingsService settings) {
        this.settings = settings;
    }

    PublicIds of(RequestContext rc) {
        return byTenant.get(rc.tenant().id(), id -> new PublicIds(settings.variable(rc, "id_salt")
                .orElseThrow(() -> new AppException(ErrorCode.NOT_INSTALLED, "This site is not installed yet.")), PADDING));
    }
}
