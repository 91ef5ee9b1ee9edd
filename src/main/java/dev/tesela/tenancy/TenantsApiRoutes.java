package dev.tesela.tenancy;

import dev.tesela.account.AccountCommands.PasswordReset;
import dev.tesela.install.InstallService;
import dev.tesela.platform.config.TeselaConfig;
import dev.tesela.platform.context.RequestContext;
import dev.tesela.platform.context.TenantContext;
import dev.tesela.platform.error.AppException;
import dev.tesela.platform.error.ErrorCode;
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
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * The Tenants API under {@value #BASE}, for the provider's automation. Served only on the internal host name and only
 * in provider mode (elsewhere 404). Every request passes, in order: the IP allow list (403), the API key in
 * {@code X-API-Key} (401), and, when a request secret is configured, {@code X-Signature} by the configured scheme
 * ({@link ApiSignatures}; 401). Bodies are JSON objects whose fields are checked by type, every wrong one reported at
 * once (400, {@code fields} naming them); answers are JSON or empty. The exception is
 * {@code GET /config/traefik}, which Traefik polls: it checks the fixed {@link #TRAEFIK_CALLERS} instead of the
 * configured allow list, and no signature (Traefik cannot sign).
 */
public final class TenantsApiRoutes implements Routes {
    public static final String BASE = "/_/api/4";
    /** Who may fetch the Traefik document: this host and the private range Docker gives its networks. */
    static final IpAllowList TRAEFIK_CALLERS = IpAllowList.parse("127.0.0.1, ::1, 172.16.0.0/12");

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final JsonMapper PRETTY_JSON =
            JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();

    private final TenantRegistry registry;
    private final TenantApiKeys keys;
    private final InstallService installs;
    private final TenantAccounts tenantAccounts;
    private final TraefikDynamicConfig traefik;
    private final Function<TenantContext, RequestContext> systemContext;
    private final String internalHostname;
    private final IpAllowList allowList;
    private final Optional<ApiSignatures> signatures;

    /**
     * @param allowList     comma-separated IPs/CIDRs allowed to call (empty: all); checked against the socket's
     *                      address, so behind a proxy list the proxy's address
     * @param requestSecret when present, every request must be signed with it, by {@code scheme}
     * @param clock         the server's time, which request signatures' timestamps must be near
     */
    public TenantsApiRoutes(
            TenantRegistry registry,
            TenantApiKeys keys,
            InstallService installs,
            TenantAccounts tenantAccounts,
            TraefikDynamicConfig traefik,
            Function<TenantContext, RequestContext> systemContext,
            String internalHostname,
            String allowList,
            Optional<String> requestSecret,
            TeselaConfig.ApiSignature scheme,
            Clock clock) {
        this.registry = registry;
        this.keys = keys;
        this.installs = installs;
        this.tenantAccounts = tenantAccounts;
        this.traefik = traefik;
        this.systemContext = systemContext;
        this.internalHostname = internalHostname;
        this.allowList = IpAllowList.parse(allowList);
        this.signatures = requestSecret.map(s -> new ApiSignatures(s.getBytes(StandardCharsets.UTF_8), scheme, clock));
    }

    @Override
    public void register(RoutesConfig routes) {
        routes.post(BASE + "/auth/verify", guarded(ctx -> ctx.status(200)));
        routes.get(
                BASE + "/config/traefik",
                guarded(
                        TRAEFIK_CALLERS,
                        false,
                        ctx -> ctx.contentType(ContentType.APPLICATION_JSON)
                                .result(PRETTY_JSON.writeValueAsString(traefik.document()))));
        routes.get(
                BASE + "/tenants",
                guarded(ctx ->
                        ctx.json(registry.list().stream().map(this::tenantJson).toList())));
        routes.post(BASE + "/tenants", guarded(this::createTenant));
        routes.get(BASE + "/tenants/{id}", guarded(ctx -> ctx.json(tenantJson(registry.get(ctx.pathParam("id"))))));
        routes.patch(BASE + "/tenants/{id}", guarded(this::editTenant));
        routes.delete(BASE + "/tenants/{id}", guarded(this::deleteTenant));
        routes.post(BASE + "/tenants/{id}/install", guarded(this::install));
        routes.patch(BASE + "/tenants/{id}/user-password-reset", guarded(this::resetUserPassword));
        routes.get(
                BASE + "/tenants-plans",
                guarded(ctx -> ctx.json(
                        registry.listPlans().stream().map(TenantJson::plan).toList())));
        routes.post(BASE + "/tenants-plans", guarded(this::createPlan));
        routes.get(
                BASE + "/tenants-plans/{id}",
                guarded(ctx -> ctx.json(TenantJson.plan(registry.getPlan(ctx.pathParam("id"))))));
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
            if (checkSignature && signatures.isPresent()) {
                String query = ctx.queryString();
                signatures
                        .get()
                        .check(
                                ctx.method().name(),
                                ctx.req().getRequestURI() + (query == null ? "" : "?" + query),
                                ctx.header(ApiSignatures.SIGNATURE),
                                ctx.header(ApiSignatures.TIMESTAMP),
                                ctx.bodyAsBytes());
            }
            handler.handle(ctx);
        };
    }

    private void createTenant(Context ctx) {
        BodyFields in = BodyFields.of(ctx);
        TenantRecord created = registry.create(
                new CreateTenant(
                        in.string("id"),
                        in.string("hostname"),
                        in.bool("is_enabled").orElse(false),
                        in.string("plan_id"),
                        in.object("limits"),
                        in.env("env")),
                in.problems());
        ctx.status(201).json(tenantJson(created));
    }

    private void editTenant(Context ctx) {
        BodyFields in = BodyFields.of(ctx);
        registry.edit(
                new EditTenant(
                        ctx.pathParam("id"),
                        Optional.ofNullable(in.string("hostname")),
                        in.bool("is_enabled"),
                        in.has("plan_id")
                                ? Optional.of(Objects.requireNonNullElse(in.string("plan_id"), ""))
                                : Optional.empty(),
                        in.has("limits")
                                ? Optional.of(Objects.requireNonNullElse(in.object("limits"), "null"))
                                : Optional.empty(),
                        in.has("env") ? Optional.of(in.env("env")) : Optional.empty()),
                in.problems());
        ctx.status(204);
    }

    private void deleteTenant(Context ctx) {
        BodyFields in = BodyFields.of(ctx);
        boolean dropTables = in.bool("drop_tables").orElse(false);
        in.requireNoProblems();
        registry.delete(ctx.pathParam("id"), dropTables);
        ctx.status(204);
    }

    private void install(Context ctx) {
        TenantRecord tenant = registry.get(ctx.pathParam("id"));
        BodyFields in = BodyFields.of(ctx);
        var command =
                new InstallService.InstallCommand(in.string("username"), in.string("email"), in.string("password"));
        in.requireNoProblems();
        installs.install(systemContext.apply(registry.contextOf(tenant.id())), command);
        ctx.status(201);
    }

    /** Answers 200 {@code {username, password, api_keys_revoked}}: the new password, shown this once. */
    private void resetUserPassword(Context ctx) {
        BodyFields in = BodyFields.of(ctx);
        String username = in.string("username");
        Optional<String> password = Optional.ofNullable(in.string("password"));
        boolean revokeApiKeys = in.bool("revoke_api_keys").orElse(false);
        in.requireNoProblems();
        PasswordReset reset = tenantAccounts.resetPassword(ctx.pathParam("id"), username, password, revokeApiKeys);
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("username", reset.username());
        answer.put("password", reset.password());
        answer.put("api_keys_revoked", reset.apiKeysRevoked());
        ctx.json(answer);
    }

    private void createPlan(Context ctx) {
        BodyFields in = BodyFields.of(ctx);
        PlanRecord plan = registry.createPlan(
                new PlanChange(
                        in.string("id"),
                        Optional.ofNullable(in.object("limits")),
                        in.has("env") ? Optional.of(in.env("env")) : Optional.empty()),
                in.problems());
        ctx.status(201).json(TenantJson.plan(plan));
    }

    private void editPlan(Context ctx) {
        BodyFields in = BodyFields.of(ctx);
        registry.editPlan(
                new PlanChange(
                        ctx.pathParam("id"),
                        in.has("limits")
                                ? Optional.of(Objects.requireNonNullElse(in.object("limits"), "null"))
                                : Optional.empty(),
                        in.has("env") ? Optional.of(in.env("env")) : Optional.empty()),
                in.problems());
        ctx.status(204);
    }

    private Map<String, Object> tenantJson(TenantRecord t) {
        return TenantJson.tenant(t, registry.stats(t.id()));
    }

    /**
     * A request body's fields, read by type. A field of the wrong type is recorded as a problem (field → message)
     * and read as absent, so that a handler reports every wrong field at once. Absent and JSON null read alike
     * except through {@link #has}. Not thread-safe; one per request.
     */
    static final class BodyFields {
        private final JsonNode body;
        private final Map<String, String> problems = new LinkedHashMap<>();

        private BodyFields(JsonNode body) {
            this.body = body;
        }

        /** The body of {@code ctx}: empty is an empty object; anything but a JSON object is refused (400, {@code body}). */
        static BodyFields of(Context ctx) {
            return of(ctx.bodyAsBytes());
        }

        static BodyFields of(byte[] raw) {
            if (raw.length == 0) {
                return new BodyFields(JSON.createObjectNode());
            }
            JsonNode node;
            try {
                node = JSON.readTree(raw);
            } catch (RuntimeException e) {
                throw AppException.invalid("body", "The body is not valid JSON.");
            }
            if (node == null || !node.isObject()) {
                throw AppException.invalid("body", "The body must be a JSON object.");
            }
            return new BodyFields(node);
        }

        boolean has(String field) {
            return body.has(field);
        }

        /** A string field; null when absent, null or of another type (then a problem). */
        String string(String field) {
            JsonNode v = body.get(field);
            if (v == null || v.isNull()) {
                return null;
            }
            if (!v.isString()) {
                problems.put(field, "The " + field + " must be a string, not " + kind(v) + ".");
                return null;
            }
            return v.asString();
        }

        /** A boolean field: true or false (1 and 0 too); empty when absent, null or anything else (then a problem). */
        Optional<Boolean> bool(String field) {
            JsonNode v = body.get(field);
            if (v == null || v.isNull()) {
                return Optional.empty();
            }
            if (v.isBoolean()) {
                return Optional.of(v.asBoolean());
            }
            if (v.isIntegralNumber() && (v.asInt(-1) == 0 || v.asInt(-1) == 1)) {
                return Optional.of(v.asInt() == 1);
            }
            problems.put(field, "The " + field + " must be true or false, not " + kind(v) + ".");
            return Optional.empty();
        }

        /** An object field as JSON text; null when absent, null or of another type (then a problem). */
        String object(String field) {
            JsonNode v = body.get(field);
            if (v == null || v.isNull()) {
                return null;
            }
            if (!v.isObject()) {
                problems.put(field, "The " + field + " must be a JSON object, not " + kind(v) + ".");
                return null;
            }
            return v.toString();
        }

        /**
         * An object field of names to scalar values, as strings (an env); empty when absent, null or wrong (then a
         * problem per wrong value, {@code <field>.<name>}, or one for the field).
         */
        Map<String, String> env(String field) {
            JsonNode v = body.get(field);
            if (v == null || v.isNull()) {
                return Map.of();
            }
            if (!v.isObject()) {
                problems.put(field, "The " + field + " must be a JSON object of names to values, not " + kind(v) + ".");
                return Map.of();
            }
            Map<String, String> env = new java.util.TreeMap<>();
            for (var e : v.properties()) {
                if (e.getValue().isValueNode() && !e.getValue().isNull()) {
                    env.put(e.getKey(), e.getValue().asString());
                } else {
                    problems.put(
                            field + "." + e.getKey(),
                            "The " + field + " value of '" + e.getKey() + "' must be a string, number or boolean, not "
                                    + kind(e.getValue()) + ".");
                }
            }
            return env;
        }

        /** Field → message for every field read so far that had the wrong type. */
        Map<String, String> problems() {
            return Map.copyOf(problems);
        }

        /** Refuses the request (400, every problem) if any field read so far had the wrong type. */
        void requireNoProblems() {
            if (!problems.isEmpty()) {
                throw AppException.invalid(new LinkedHashMap<>(problems));
            }
        }

        private static String kind(JsonNode v) {
            if (v.isNull()) {
                return "null";
            }
            if (v.isObject()) {
                return "an object";
            }
            if (v.isArray()) {
                return "an array";
            }
            if (v.isBoolean()) {
                return v.asString();
            }
            return v.isNumber() ? "a number" : "a string";
        }
    }
}
