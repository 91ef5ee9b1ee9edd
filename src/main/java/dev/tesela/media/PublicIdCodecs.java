package dev.tesela.media;

import dev.tesela.platform.context.RequestContext;
import dev.tesela.platform.security.PublicIds;

/**
 * The public-id codec of the caller's tenant: salted base-62 with the salt made at install, so ids of one site
 * reveal nothing about another and cannot be enumerated. The tenant runtime holds it ({@code rc.tenant().ids()}),
 * so a tenant deleted and re-created never keeps its old salt. Stateless.
 */
final class PublicIdCodecs {
    PublicIds of(RequestContext rc) {
        return rc.tenant().ids();
    }
}
