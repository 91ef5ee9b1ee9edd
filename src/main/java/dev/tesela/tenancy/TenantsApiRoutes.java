package dev.tesela.tenancy;

import dev.tesela.account.AccountCommands.PasswordReset;
import dev.tesela.install.InstallService;
import dev.tesela.platform.context.RequestContext;
import dev.tesela.platform.context.TenantContext;
import dev.tesela.platform.error.AppException;
import dev.tesela.platform.error.ErrorCode;
import dev.tesela.platform.security.Crypto;
import dev.tesela.platform.security.IpAllowList;
import dev.tesela.platform.web.Routes;
import dev.tesela.tenancy.TenantCommands.CreateTenant;
import dev.tesela.tenancy.TenantCommands.EditTenant;
import dev.tesela.tenancy.TenantCommands.PlanChange;
import io.javalin.config.RoutesConfig;
import io.javalin.http.ContentType;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * The Tenants API under {@value #BASE}, for the provider's automation. Served only on the internal host name and only
 * in provider mode (elsewhere 404). Every request passes, in order: the IP allow list (403), the API key in
 * {@code X-API-Key} (401), and, when a request secret is configured, {@code X-Signature} = hex HMAC-SHA256 of the raw
 * body under that secret (401). Bodies are JSON; answers are JSON or empty. The exception is
 * {@code GET /config/traefik}, which Traefik polls: it checks the fixed {@link #TRAEFIK_CALLERS} instead of the
 * configured allow list, and no signature (Traefik cannot sign).
 */
public final class TenantsApiRoutes implements Routes {
    public static final String BASE = "/_/api/4";
    /** Who may fetch the Traefik document: this host and the private range Docker gives its networks. */
    static final IpAllowList TRAEFIK_CALLERS = IpAllowList.parse("127.0.0.1, ::1, 172.16.0.0/12");
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final JsonMapper PRETTY_JSON = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();

    private final TenantRegistry registry;
    private final TenantApiKeys keys;
    private final InstallService installs;
    private final TenantAccounts tenantAccounts;
    private final TraefikDynamicConfig traefik;
    private final Function<TenantContext, RequestContext> systemContext;
    private final String internalHostname;
    private final IpAllowList allowList;
    private final Optional<byte[]> requestSecret;

    /**
     * @param allowList     comma-separated IPs/CIDRs allowed to call (empty: all); checked against the socket's
     *                      address, so behind a proxy list the proxy's address
     * @param requestSecret when present, every request must be signed with it
     */
    public TenantsApiRoutes(TenantRegistry registry, TenantApiKeys keys, InstallService installs, TenantAccounts tenantAccounts,
                            TraefikDynamicConfig traefik, Function<TenantContext, RequestContext> systemContext,
                            String internalHostname, String allowList, Optional<String> requestSecret) {
        this.registry = registry;
        this.keys = keys;
        this.installs = installs;
        this.tenantAccounts = tenantAccounts;
        this.traefik = traefik;
        this.systemContext = systemContext;
        this.internalHostname = internalHostname;
        this.allowList = IpAllowList.parse(allowList);
        this.requestSecret = requestSecret.map(s -> s.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public void register(RoutesConfig routes) {
        routes.post(BASE + "/auth/verify", guarded(ctx -> ctx.status(200)));
        routes.get(BASE + "/config/traefik", guarded(TRAEFIK_CALLERS, false, ctx ->
                ctx.contentType(ContentType.APPLICATION_JSON).result(PRETTY_JSON.writeValueAsString(traefik.document()))));
        routes.get(BASE + "/tenants", guarded(ctx -> ctx.json(registry.list().stream().map(this::tenantJson).toList())));
        routes.post(BASE + "/tenants", guarded(this::createTenant));
        routes.get(BASE + "/tenants/{id}", guarded(ctx -> ctx.json(tenantJson(registry.get(ctx.pathParam("id"))))));
        routes.patch(BASE + "/tenants/{id}", guarded(this::editTenant));
        routes.delete(BASE + "/tenants/{id}", guarded(this::deleteTenant));
        routes.post(BASE + "/tenants/{id}/install", guarded(this::install));
        routes.patch(BASE + "/tenants/{id}/user-password-reset", guarded(this::resetUserPassword));
        routes.get(BASE + "/tenants-plans", guarded(ctx -> ctx.json(registry.listPlans().stream().map(TenantJson::plan).toList())));
        routes.post(BASE + "/tenants-plans", guarded(this::createPlan));
        routes.get(BASE + "/tenants-plans/{id}", guarded(ctx -> ctx.json(TenantJson.plan(registry.getPlan(ctx.pathParam("id"))))));
        routes.patch(BASE + "/tenants-plans/{id}", guarded(this::editPlan));
        routes.delete(BASE + "/tenants-plans/{id}", guarded(ctx -> {
            registry.deletePlan(ctx.pathParam("id"));
            ctx.status(204);
        }));
    }

    /** The checks a route passes before its handler: the configured allow list, the key and the signature. */
    private Handler guarded(Handler handler) {
        return guarded(allowList, true, handler);
    }

    /**
     * @param callers        the addresses that may call the route
     * @param checkSignature whether {@code X-Signature} is required (when a request secret is configured)
     */
    private Handler guarded(IpAllowList callers, boolean checkSignature, Handler handler) {
        return ctx -> {
            if (!internalHostname.equals(dev.tesela.platform.web.WebKeys.hostname(ctx))) {
                throw AppException.notFound("There is nothing at this address.");
            }
            if (!callers.allows(ctx.req().getRemoteAddr())) {
                throw AppException.forbidden("Access denied from your IP address.");
            }
            String key = ctx.header("X-API-Key");
            if (key == null || key.isBlank()) {
                throw new AppException(ErrorCode.UNAUTHORIZED, "Missing X-API-Key header.");
            }
            if (keys.verify(key.strip()).isEmpty()) {
                throw new AppException(ErrorCode.UNAUTHORIZED, "Invalid API key.");
            }
            if (checkSignature && requestSecret.isPresent()) {
                String signature = ctx.header("X-Signature");
                if (signature == null || signature.isBlank()) {
                    throw new AppException(ErrorCode.UNAUTHORIZED, "Missing X-Signature header.");
                }
                String expected = HexFormat.of().formatHex(Crypto.hmacSha256(requestSecret.get(), ctx.bodyAsBytes()));
                if (!Crypto.constantTimeEquals(expected, signature.strip().toLowerCase(java.util.Locale.ROOT))) {
                    throw new AppException(ErrorCode.UNAUTHORIZED, "Invalid request signature.");
                }
            }
            handler.handle(ctx);
        };
    }

    private void createTenant(Context ctx) {
        JsonNode body = body(ctx);
        TenantRecord created = registry.create(new CreateTenant(text(body, "id"), text(body, "hostname"),
                body.path("is_enabled").asBoolean(false), text(body, "plan_id"), objectText(body, "limits"), env(body)));
        ctx.status(201).json(tenantJson(created));
    }

    private void editTenant(Context ctx) {
        JsonNode body = body(ctx);
        registry.edit(new EditTenant(ctx.pathParam("id"), Optional.ofNullable(text(body, "hostname")),
                body.has("is_enabled") ? Optional.of(body.get("is_enabled").asBoolean()) : Optional.empty(),
                body.has("plan_id") ? Optional.of(body.get("plan_id").isNull() ? "" : body.get("plan_id").asString()) : Optional.empty(),
                limitsChange(body),
                envChange(body)));
        ctx.status(204);
    }

    private void deleteTenant(Context ctx) {
        JsonNode body = body(ctx);
        registry.delete(ctx.pathParam("id"), body.path("drop_tables").asBoolean(false));
        ctx.status(204);
    }

    private void install(Context ctx) {
        TenantRecord tenant = registry.get(ctx.pathParam("id"));
        JsonNode body = body(ctx);
        TenantContext context = registry.contextOf(tenant.id());
        installs.install(systemContext.apply(context),
                new InstallService.InstallCommand(text(body, "username"), text(body, "email"), text(body, "password")));
        ctx.status(201);
    }

    /** Answers 200 {@code {username, password}}: the new password, shown this once. */
    private void resetUserPassword(Context ctx) {
        JsonNode body = body(ctx);
        PasswordReset reset = tenantAccounts.resetPassword(ctx.pathParam("id"), text(body, "username"),
                Optional.ofNullable(text(body, "password")));
        Map<String, String> answer = new LinkedHashMap<>();
        answer.put("username", reset.username());
        answer.put("password", reset.password());
        ctx.json(answer);
    }

    private void createPlan(Context ctx) {
        JsonNode body = body(ctx);
        PlanRecord plan = registry.createPlan(new PlanChange(text(body, "id"), Optional.ofNullable(objectText(body, "limits")),
                body.has("env") ? Optional.of(env(body)) : Optional.empty()));
        ctx.status(201).json(TenantJson.plan(plan));
    }

    private void editPlan(Context ctx) {
        JsonNode body = body(ctx);
        registry.editPlan(new PlanChange(ctx.pathParam("id"),
                limitsChange(body),
                envChange(body)));
        ctx.status(204);
    }

    private Map<String, Object> tenantJson(TenantRecord t) {
        return TenantJson.tenant(t, registry.stats(t.id()));
    }

    private static JsonNode body(Context ctx) {
        byte[] raw = ctx.bodyAsBytes();
        if (raw.length == 0) {
            return JSON.createObjectNode();
        }
        try {
            JsonNode node = JSON.readTree(raw);
            if (!node.isObject()) {
                throw AppException.invalid("body", "The body must be a JSON object.");
            }
            return node;
        } catch (AppException e) {
            throw e;
        } catch (RuntimeException e) {
            throw AppException.invalid("body", "The body is not valid JSON.");
        }
    }

    private static String text(JsonNode body, String field) {
        JsonNode v = body.get(field);
        return v == null || v.isNull() ? null : v.asString();
    }

    private static String objectText(JsonNode body, String field) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isObject()) {
            throw AppException.invalid(field, "The " + field + " must be a JSON object.");
        }
        return v.toString();
    }

    /** A PATCH's limits: absent = unchanged, null = clear, else the JSON object. */
    private static Optional<String> limitsChange(JsonNode body) {
        return body.has("limits") ? Optional.of(body.get("limits").isNull() ? "null" : body.get("limits").toString()) : Optional.empty();
    }

    /** A PATCH's env: absent = unchanged, null = clear, else the object's values. */
    private static Optional<Map<String, String>> envChange(JsonNode body) {
        return body.has("env") ? Optional.of(body.get("env").isNull() ? Map.of() : env(body)) : Optional.empty();
    }

    private static Map<String, String> env(JsonNode body) {
        String json = objectText(body, "env");
        return json == null ? Map.of() : TenantRegistry.parseEnv(json);
    }

}
