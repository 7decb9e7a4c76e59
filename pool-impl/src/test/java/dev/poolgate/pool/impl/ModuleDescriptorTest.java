package dev.poolgate.pool.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.poolgate.pool.PoolProvider;
import java.lang.module.Configuration;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.List;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;

/**
 * The module descriptors, checked on the module path. The other tests run on the class path (see
 * pool-impl's pom), where {@code module-info} means nothing, so this test resolves pool-api,
 * pool-impl and slf4j-api from where their classes were loaded into a {@link ModuleLayer} of their
 * own and looks at them there.
 *
 * <p>If a location cannot be found, the test fails rather than skips: the classes always come from
 * a directory or jar here, so a missing location means the build changed and this check would
 * silently stop checking anything.
 */
@Timeout(30)
class ModuleDescriptorTest {

    private static final String API = "dev.poolgate.pool";
    private static final String IMPL = "dev.poolgate.pool.impl";
    private static final String SERVICE = "dev.poolgate.pool.PoolProvider";

    private static ModuleLayer layer;

    /** Resolves only the API module and binds services: pool-impl must come in as its provider. */
    @BeforeAll
    static void resolveTheModulesOnTheModulePath() {
        ModuleFinder finder = ModuleFinder.of(locationOf(PoolProvider.class), locationOf(FairPoolProvider.class),
                locationOf(Logger.class));
        Configuration configuration = ModuleLayer.boot().configuration()
                .resolveAndBind(finder, ModuleFinder.of(), Set.of(API));
        layer = ModuleLayer.boot().defineModulesWithOneLoader(configuration, ClassLoader.getPlatformClassLoader());
    }

    @Test
    void apiExportsExactlyItsOnePackageAndRequiresOnlyTheJdk() {
        ModuleDescriptor api = descriptor(API);
        assertFalse(api.isOpen() || api.isAutomatic(), api::toString);
        assertEquals(Set.of(API), api.exports().stream().map(ModuleDescriptor.Exports::source)
                .collect(Collectors.toSet()));
        assertTrue(api.exports().stream().noneMatch(ModuleDescriptor.Exports::isQualified), api::toString);
        assertEquals(Set.of(), api.opens());
        // java.management: PoolManagement registers a pool as an MXBean with one call.
        assertEquals(Set.of("java.base", "java.management"), names(api.requires()));
        assertEquals(Set.of(SERVICE), api.uses());
        assertEquals(Set.of(API), api.packages(), "pool-api holds one package");
    }

    @Test
    void implExportsNothingAndProvidesThePoolProvider() {
        ModuleDescriptor impl = descriptor(IMPL);
        assertFalse(impl.isOpen() || impl.isAutomatic(), impl::toString);
        assertEquals(Set.of(), impl.exports());
        assertEquals(Set.of(), impl.opens());
        assertEquals(Set.of("java.base", API, "org.slf4j"), names(impl.requires()));
        assertEquals(1, impl.provides().size(), impl::toString);
        ModuleDescriptor.Provides provides = impl.provides().iterator().next();
        assertEquals(SERVICE, provides.service());
        assertEquals(List.of(IMPL + ".FairPoolProvider"), provides.providers());
        assertFalse(layer.findModule(IMPL).orElseThrow().isExported(IMPL));
    }

    @Test
    void serviceLoaderFindsFairPoolProviderInTheImplModule() throws ReflectiveOperationException {
        Class<?> service = layer.findLoader(API).loadClass(SERVICE);
        List<ServiceLoader.Provider<?>> providers = ServiceLoader.load(layer, service).stream()
                .collect(Collectors.toList());
        assertEquals(1, providers.size(), providers::toString);
        Class<?> type = providers.get(0).type();
        assertEquals(IMPL + ".FairPoolProvider", type.getName());
        assertSame(layer.findModule(IMPL).orElseThrow(), type.getModule());
        assertTrue(service.isInstance(providers.get(0).get()), "the provider can be instantiated");
    }

    @Test
    void poolApiFindsTheImplementationOnTheModulePathByItself() throws ReflectiveOperationException {
        // PoolProvider.installed() is what Pool.create uses: it needs the API's "uses" and pool-impl's "provides".
        Class<?> service = layer.findLoader(API).loadClass(SERVICE);
        Object installed = service.getMethod("installed").invoke(null);
        assertNotNull(installed);
        assertEquals(IMPL + ".FairPoolProvider", installed.getClass().getName());
        assertSame(layer.findModule(IMPL).orElseThrow(), installed.getClass().getModule());
    }

    private static ModuleDescriptor descriptor(String module) {
        return layer.findModule(module)
                .orElseThrow(() -> new AssertionError(module + " is not in the layer: " + layer.modules()))
                .getDescriptor();
    }

    private static Set<String> names(Set<ModuleDescriptor.Requires> requires) {
        return requires.stream().map(ModuleDescriptor.Requires::name).collect(Collectors.toSet());
    }

    /** The directory or jar a class was loaded from. */
    private static Path locationOf(Class<?> type) {
        CodeSource source = type.getProtectionDomain().getCodeSource();
        if (source == null || source.getLocation() == null) {
            fail("cannot tell where " + type.getName() + " was loaded from, so its module cannot be found; class path: "
                    + System.getProperty("java.class.path"));
        }
        try {
            return Path.of(source.getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new AssertionError("bad location of " + type.getName() + ": " + source.getLocation(), e);
        }
    }
}
