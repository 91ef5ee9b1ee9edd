package dev.tesela;

import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideOutsideOfPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.simpleNameEndingWith;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noMethods;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.Dependency;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaConstructorCall;
import com.tngtech.archunit.core.domain.JavaMethodCall;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassModel;
import java.lang.classfile.CodeElement;
import java.lang.classfile.MethodModel;
import java.lang.classfile.instruction.ConstantInstruction;
import java.lang.classfile.instruction.InvokeInstruction;
import java.lang.classfile.instruction.LineNumber;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.BiConsumer;
import org.jooq.DSLContext;

/**
 * The package rules of ARCHITECTURE.md §2–3 and §8 as ArchUnit rules over compiled classes. Each rule takes the root
 * package it applies to: {@code dev.tesela} for the product ({@link ArchitectureTest}), and a tree of planted
 * violations under the test sources for the proof that each rule catches what it forbids. The Host header rule
 * looks at call arguments, which ArchUnit does not model: it reads the class files' bytecode with the JDK's ClassFile
 * API (a string constant passed to the call), so formatting, comments and string contents cannot fool it.
 */
final class ArchitectureRules {
    /** Packages the platform may depend on besides its own: ports that features implement. */
    static final List<String> PLATFORM_MAY_USE = List.of("storage");
    /**
     * Where jOOQ's code generator writes the table classes (under the root): they name tables and columns by string,
     * and a table called {@code pages} makes a class {@code Pages} that no handler rule is meant for.
     */
    static final String GENERATED = ".platform.db.schema..";

    private ArchitectureRules() {}

    /**
     * The platform kernel depends on nothing of the product but itself and the ports listed in
     * {@link #PLATFORM_MAY_USE}: no feature package (account, install, media, settings, site, tenancy, cli, imaging and
     * every feature still to come) and not {@code App}/{@code Main}.
     */
    static ArchRule platformDependsOnNoFeature(String root) {
        List<String> allowed = new ArrayList<>(List.of(root + ".platform.."));
        PLATFORM_MAY_USE.forEach(p -> allowed.add(root + "." + p + ".."));
        return classes()
                .that()
                .resideInAPackage(root + ".platform..")
                .should()
                .onlyDependOnClassesThat(
                        resideOutsideOfPackage(root + "..").or(resideInAnyPackage(allowed.toArray(String[]::new))))
                .as(root + ".platform depends on no feature (nor on App/Main); of the product it uses only itself and "
                        + String.join(", ", PLATFORM_MAY_USE))
                .because("the platform is the kernel: move the code into the feature, or give the platform a port the "
                        + "feature implements");
    }

    /** Only {@code platform.web} (TenantEdge, and WebKeys for the request's own address) reads the Host header. */
    static ArchRule onlyTheWebPlatformReadsTheHostHeader(String root) {
        return classes()
                .that()
                .resideInAPackage(root + "..")
                .and()
                .resideOutsideOfPackage(root + ".platform.web..")
                .should(notReadTheHostHeader())
                .because("the tenant is resolved once, at the edge: take it from the RequestContext");
    }

    /**
     * No table or column named by a string: no call of jOOQ's {@code DSL.name(..)}, nor of {@code DSL.table(..)} /
     * {@code DSL.field(..)} given a String, Name or SQL. Queries use the classes generated from the migrations
     * ({@code platform.db.schema..}, the one package that may), whose names the compiler checks and MigrationsTest
     * compares with what the migrations create on every vendor; a typed name fails only when its query runs.
     */
    static ArchRule tablesAndColumnsComeFromTheGeneratedSchema(String root) {
        return noClasses()
                .that()
                .resideInAPackage(root + "..")
                .and()
                .resideOutsideOfPackage(root + GENERATED)
                .should()
                .callMethodWhere(DescribedPredicate.describe(
                        "name a table or column by string (DSL.name, DSL.table or DSL.field of a String, Name or SQL)",
                        ArchitectureRules::namesByString))
                .because("the generated tables and fields (Tables.USERS, USERS.USERNAME...) are checked against the "
                        + "migrations; a typed name is not");
    }

    /**
     * No ThreadLocal, nor any type named like one (InheritableThreadLocal, Netty's FastThreadLocal...): the request
     * context is passed explicitly. (By name: classes outside the product are not imported, see archunit.properties.)
     */
    static ArchRule noThreadLocal(String root) {
        return noClasses()
                .that()
                .resideInAPackage(root + "..")
                .should()
                .dependOnClassesThat()
                .haveSimpleNameEndingWith("ThreadLocal")
                .because("there is no \"current\" tenant or user: pass the RequestContext");
    }

    /** Repositories are package-private. */
    static ArchRule repositoriesAreNotPublic(String root) {
        return classes()
                .that()
                .resideInAPackage(root + "..")
                .and()
                .haveSimpleNameEndingWith("Repository")
                .should()
                .notBePublic()
                .because("other features call the feature's service, never its repository");
    }

    /** A repository is used only by classes of its own package (its feature). */
    static ArchRule featuresDoNotUseEachOthersRepositories(String root) {
        return classes()
                .that()
                .resideInAPackage(root + "..")
                .and()
                .haveSimpleNameEndingWith("Repository")
                .should(beUsedOnlyInTheirOwnPackage())
                .because("features call each other's services, never each other's repositories");
    }

    /** Handlers ({@code *Routes}, {@code *Api}, {@code *Pages}; not the generated table classes) use neither repositories nor jOOQ. */
    static ArchRule handlersUseNoRepositoryNorJooq(String root) {
        return noClasses()
                .that()
                .resideInAPackage(root + "..")
                .and()
                .resideOutsideOfPackage(root + GENERATED)
                .and()
                .haveNameMatching(".*\\.\\w*(Routes|Api|Pages)(\\$.*)?")
                .should()
                .dependOnClassesThat(simpleNameEndingWith("Repository")
                        .and(resideInAPackage(root + ".."))
                        .or(resideInAPackage("org.jooq.."))
                        .as("are repositories or jOOQ types (DSLContext...)"))
                .because("handlers are thin: parse, make one service call, render");
    }

    /** No public method of a {@code *Service} takes a {@code DSLContext}: services get their data access from rc. */
    static ArchRule servicesTakeNoDslContext(String root) {
        return noMethods()
                .that()
                .arePublic()
                .and()
                .areDeclaredInClassesThat()
                .resideInAPackage(root + "..")
                .and()
                .areDeclaredInClassesThat()
                .haveSimpleNameEndingWith("Service")
                .should()
                .haveRawParameterTypes(DescribedPredicate.describe(
                        "a DSLContext among them",
                        (List<JavaClass> parameters) ->
                                parameters.stream().anyMatch(p -> p.isAssignableTo(DSLContext.class))))
                .because("a caller could pass another tenant's database; the transaction comes from rc");
    }

    /** Only {@code App} makes services (with {@code new}, or a service's static factory). */
    static ArchRule onlyAppMakesServices(String root) {
        return classes()
                .that()
                .resideInAPackage(root + "..")
                .and()
                .doNotHaveFullyQualifiedName(root + ".App")
                .should(makeNoService(root))
                .because("App is the one composition root");
    }

    // ---- conditions ------------------------------------------------------------------------------------------------

    /** Methods whose name contains this (any case) read a header: Javalin's header(), Jetty's getHeader()... */
    private static final String HEADER_READ = "header";

    private static ArchCondition<JavaClass> notReadTheHostHeader() {
        return bytecodeCondition("not read the Host header", ArchitectureRules::hostHeaderReads);
    }

    /**
     * Where {@code method} reads the Host header: a call to a method whose name contains "header" (any case) right after
     * the string constant "Host" (any case) was loaded, e.g. {@code ctx.header("Host")} or {@code header(Header.HOST)}
     * (a constant, inlined). Adds one description per read to {@code out}.
     */
    static void hostHeaderReads(MethodModel method, List<String> out) {
        String lastString = null;
        int line = 0;
        for (CodeElement e : method.code().orElseThrow()) {
            switch (e) {
                case LineNumber n -> line = n.line();
                case ConstantInstruction c when c.constantValue() instanceof String s -> lastString = s;
                case InvokeInstruction call -> {
                    if (call.name().stringValue().toLowerCase(Locale.ROOT).contains(HEADER_READ)
                            && "host".equalsIgnoreCase(lastString)) {
                        out.add("reads the Host header: "
                                + call.owner().asInternalName().replace('/', '.') + "."
                                + call.name().stringValue() + "(\"" + lastString + "\") at line " + line);
                    }
                    lastString = null;
                }
                default -> {}
            }
        }
    }

    /** {@link #hostHeaderReads} over every method of {@code c}. */
    static List<String> hostHeaderReads(JavaClass c) {
        List<String> out = new ArrayList<>();
        for (MethodModel method : ClassFile.of().parse(classFile(c)).methods()) {
            if (method.code().isPresent()) {
                hostHeaderReads(method, out);
            }
        }
        return out;
    }

    private static final Set<String> NAME_ARGUMENTS = Set.of("java.lang.String", "org.jooq.Name", "org.jooq.SQL");

    /** A call of DSL.name(..), or of DSL.table(..) / DSL.field(..) whose first parameter is a String, Name or SQL. */
    private static boolean namesByString(JavaMethodCall call) {
        var target = call.getTarget();
        if (!target.getOwner().getName().equals("org.jooq.impl.DSL")) {
            return false;
        }
        String method = target.getName();
        if (method.equals("name") || method.equals("quotedName") || method.equals("unquotedName")) {
            return true;
        }
        List<JavaClass> parameters = target.getRawParameterTypes();
        return (method.equals("table") || method.equals("field"))
                && !parameters.isEmpty()
                && NAME_ARGUMENTS.contains(parameters.getFirst().getName());
    }

    /**
     * A condition checked on each method of the class's bytecode ({@code check} adds one description per violation).
     * The class file is read from where ArchUnit imported it.
     */
    private static ArchCondition<JavaClass> bytecodeCondition(
            String description, BiConsumer<MethodModel, List<String>> check) {
        return new ArchCondition<>(description) {
            @Override
            public void check(JavaClass item, ConditionEvents events) {
                ClassModel model = ClassFile.of().parse(classFile(item));
                for (MethodModel method : model.methods()) {
                    if (method.code().isEmpty()) {
                        continue;
                    }
                    List<String> violations = new ArrayList<>();
                    check.accept(method, violations);
                    for (String v : violations) {
                        events.add(SimpleConditionEvent.violated(
                                item,
                                item.getName() + "." + method.methodName().stringValue() + " " + v + " ("
                                        + item.getSimpleName() + ".java)"));
                    }
                }
            }
        };
    }

    private static byte[] classFile(JavaClass item) {
        var source = item.getSource()
                .orElseThrow(() -> new IllegalStateException("no class file known for " + item.getName()));
        try {
            return Files.readAllBytes(Path.of(source.getUri()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the class file of " + item.getName(), e);
        }
    }

    private static ArchCondition<JavaClass> beUsedOnlyInTheirOwnPackage() {
        return new ArchCondition<>("be used only in their own package") {
            @Override
            public void check(JavaClass repository, ConditionEvents events) {
                for (Dependency d : repository.getDirectDependenciesToSelf()) {
                    if (!d.getOriginClass().getPackageName().equals(repository.getPackageName())) {
                        events.add(SimpleConditionEvent.violated(d, d.getDescription()));
                    }
                }
            }
        };
    }

    private static ArchCondition<JavaClass> makeNoService(String root) {
        return new ArchCondition<>("make no service (only " + root + ".App does)") {
            @Override
            public void check(JavaClass item, ConditionEvents events) {
                for (JavaConstructorCall call : item.getConstructorCallsFromSelf()) {
                    if (isService(call.getTargetOwner()) && !sameTopLevelClass(item, call.getTargetOwner())) {
                        events.add(SimpleConditionEvent.violated(call, call.getDescription()));
                    }
                }
                for (JavaMethodCall call : item.getMethodCallsFromSelf()) {
                    JavaClass owner = call.getTargetOwner();
                    boolean factory = isService(owner)
                            && call.getTarget().getRawReturnType().equals(owner);
                    if (factory && !sameTopLevelClass(item, owner)) {
                        events.add(SimpleConditionEvent.violated(call, call.getDescription()));
                    }
                }
            }

            private boolean isService(JavaClass c) {
                return c.getSimpleName().endsWith("Service")
                        && c.getPackageName().startsWith(root);
            }
        };
    }

    /** A service may make itself (its own static factory calls its constructor), nested classes included. */
    private static boolean sameTopLevelClass(JavaClass a, JavaClass b) {
        return topLevel(a).equals(topLevel(b));
    }

    private static String topLevel(JavaClass c) {
        int dollar = c.getName().indexOf('$');
        return dollar < 0 ? c.getName() : c.getName().substring(0, dollar);
    }
}
