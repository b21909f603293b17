package org.jzeo.storage.internal.osgi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.annotation.Annotation;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jzeo.api.Oid;
import org.jzeo.api.Storage;
import org.jzeo.api.StorageException;
import org.jzeo.api.StorageTransaction;
import org.jzeo.api.Tid;
import org.jzeo.api.TransactionMetaData;
import org.jzeo.storage.FileStorage;
import org.jzeo.storage.FileStorageConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The DS components as plain Java: configuration by anonymous annotation classes, a recording registrar. */
class StorageComponentsTest {
    @TempDir
    Path dir;

    /** Records what a component registers and whether it was withdrawn. */
    static final class Recorder implements StorageRegistrar {
        final List<Storage> registered = new ArrayList<>();
        final List<Map<String, Object>> properties = new ArrayList<>();
        final List<Storage> unregistered = new ArrayList<>();

        @Override
        public Registration register(Storage storage, Map<String, Object> props) {
            registered.add(storage);
            properties.add(props);
            return () -> unregistered.add(storage);
        }
    }

    static FileStorageComponentConfig fileConfig(String name, String path, boolean readOnly, String quota) {
        return new FileStorageComponentConfig() {
            @Override
            public Class<? extends Annotation> annotationType() {
                return FileStorageComponentConfig.class;
            }

            @Override
            public String name() {
                return name;
            }

            @Override
            public String path() {
                return path;
            }

            @Override
            public boolean create() {
                return false;
            }

            @Override
            public boolean read$_$only() {
                return readOnly;
            }

            @Override
            public String quota() {
                return quota;
            }

            @Override
            public boolean pack$_$gc() {
                return false;
            }

            @Override
            public boolean pack$_$keep$_$old() {
                return true;
            }
        };
    }

    private static Tid commit(Storage s, Oid oid, Tid serial, String data) {
        StorageTransaction t = s.tpcBegin(TransactionMetaData.of("u", "d"));
        t.store(oid, serial, data.getBytes(StandardCharsets.UTF_8));
        t.vote();
        return t.finish();
    }

    @Test
    void fileStorageComponentOpensRegistersAndReleasesTheLockOnDeactivate() {
        Path data = dir.resolve("sub/dir/Data.fs");
        Recorder rec = new Recorder();
        FileStorageComponent c = new FileStorageComponent(
                fileConfig("main", "${test.dir}/sub/dir/Data.fs", false, ""),
                key -> key.equals("test.dir") ? dir.toString() : null, rec);
        assertTrue(Files.exists(data), "the directory was created and the file opened");
        assertEquals(1, rec.registered.size());
        assertSame(c.storage(), rec.registered.get(0), "the storage itself is the service, not a wrapper");
        Map<String, Object> props = rec.properties.get(0);
        assertEquals("main", props.get("name"));
        assertEquals("file", props.get("storage.type"));
        assertEquals(data.toString(), props.get("path"));
        assertEquals(Boolean.FALSE, props.get("pack-gc"));
        assertEquals("main", c.storage().getName());

        Oid oid = c.storage().newOid();
        Tid tid = commit(c.storage(), oid, Tid.ZERO, "hello");

        // While open, the file is locked: a second open fails.
        assertThrows(StorageException.class, () -> FileStorage.open(FileStorageConfig.of("x", data)).close());

        c.deactivate();
        assertEquals(List.of(c.storage()), rec.unregistered, "the service is withdrawn");
        // The lock was released and the data is durable: reopening works and sees the commit.
        try (FileStorage again = FileStorage.open(FileStorageConfig.of("x", data))) {
            assertEquals(tid, again.lastTransaction());
            assertEquals("hello", new String(again.load(oid).data(), StandardCharsets.UTF_8));
        }
    }

    @Test
    void configurationKeysMapOntoFileStorageConfig() {
        FileStorageConfig fc = FileStorageComponent.toFileStorageConfig(
                fileConfig("2", dir.resolve("a.fs").toString(), true, "10MB"), k -> null);
        assertEquals("2", fc.name());
        assertTrue(fc.readOnly());
        assertEquals(10L * 1024 * 1024, fc.quota());
        assertFalse(fc.packGc());
        assertTrue(fc.packKeepOld());
        assertNull(FileStorageComponent.toFileStorageConfig(
                fileConfig("2", dir.resolve("a.fs").toString(), false, " "), k -> null).quota());
        assertThrows(IllegalArgumentException.class, () -> FileStorageComponent.toFileStorageConfig(
                fileConfig("2", dir.resolve("a.fs").toString(), false, "lots"), k -> null));
        assertThrows(IllegalArgumentException.class, () -> FileStorageComponent.toFileStorageConfig(
                fileConfig("2", "", false, ""), k -> null));
    }

    @Test
    void unknownPlaceholdersStayAndKnownOnesExpand() {
        assertEquals("/d/x/${nope}/y", Placeholders.expand("${a}/x/${nope}/y", k -> k.equals("a") ? "/d" : null));
        assertEquals("plain", Placeholders.expand("plain", k -> "never"));
        assertEquals("${open", Placeholders.expand("${open", k -> "never"));
    }

    @Test
    void memoryStorageComponentRegistersUnderItsName() {
        Recorder rec = new Recorder();
        MemoryStorageComponent c = new MemoryStorageComponent(new MemoryStorageComponentConfig() {
            @Override
            public Class<? extends Annotation> annotationType() {
                return MemoryStorageComponentConfig.class;
            }

            @Override
            public String name() {
                return "scratch";
            }

            @Override
            public boolean read$_$only() {
                return false;
            }
        }, rec);
        assertEquals("scratch", rec.properties.get(0).get("name"));
        assertEquals("memory", rec.properties.get(0).get("storage.type"));
        Storage s = rec.registered.get(0);
        Oid oid = s.newOid();
        assertNotNull(commit(s, oid, Tid.ZERO, "x"));
        c.deactivate();
        assertEquals(List.of(s), rec.unregistered);
    }
}
