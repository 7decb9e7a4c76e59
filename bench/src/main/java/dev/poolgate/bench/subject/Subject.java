package dev.poolgate.bench.subject;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/** The pools compared, each opened as a {@link BenchPool} of do-nothing objects. */
public enum Subject {
    /** This project's pool, through {@code Pool.create} as users reach it. */
    POOLGATE("poolgate") {
        @Override
        public BenchPool open(int size, Duration timeout) {
            return new PoolgatePool(size, timeout);
        }
    },
    COMMONS_POOL2("commons-pool2") {
        @Override
        public BenchPool open(int size, Duration timeout) {
            return new CommonsPool(size, timeout, false);
        }
    },
    COMMONS_POOL2_FAIR("commons-pool2-fair") {
        @Override
        public BenchPool open(int size, Duration timeout) {
            return new CommonsPool(size, timeout, true);
        }
    },
    HIKARI_DATASOURCE("hikari-datasource") {
        @Override
        public BenchPool open(int size, Duration timeout) {
            return new HikariDataSourcePool(size, timeout);
        }
    },
    HIKARI_CONCURRENTBAG("hikari-concurrentbag") {
        @Override
        public BenchPool open(int size, Duration timeout) {
            return new ConcurrentBagPool(size, timeout);
        }
    },
    /** {@code pool.claim}: Stormpot's default tap, which caches the last slot in a thread-local. */
    STORMPOT("stormpot") {
        @Override
        public BenchPool open(int size, Duration timeout) {
            return new StormpotPool(size, timeout, false);
        }
    },
    /** {@code pool.getVirtualThreadSafeTap().claim}: no thread-local cache. */
    STORMPOT_VT("stormpot-vt-tap") {
        @Override
        public BenchPool open(int size, Duration timeout) {
            return new StormpotPool(size, timeout, true);
        }
    },
    /** Vibur's {@code ConcurrentPool}, fair (as vibur-dbcp configures it by default). */
    VIBUR("vibur") {
        @Override
        public BenchPool open(int size, Duration timeout) {
            return new ViburPool(size, timeout);
        }
    },
    /** The baseline: a ReentrantLock, one Condition and an ArrayDeque, written in this module. */
    BASELINE_LOCK("baseline-lock") {
        @Override
        public BenchPool open(int size, Duration timeout) {
            return new LockPool(size, timeout);
        }
    };

    private final String id;

    Subject(String id) {
        this.id = id;
    }

    /** The name in results and on the command line, e.g. {@code commons-pool2-fair}. */
    public String id() {
        return id;
    }

    /** Opens a pool of {@code size} objects, all created before this returns. */
    public abstract BenchPool open(int size, Duration timeout);

    /**
     * The subject named by its id or constant name.
     *
     * @throws IllegalArgumentException naming the known ids
     */
    public static Subject byName(String name) {
        for (Subject subject : values()) {
            if (subject.id.equals(name) || subject.name().equals(name)) {
                return subject;
            }
        }
        throw new IllegalArgumentException("Unknown subject '" + name + "'; known: " + ids(List.of(values())));
    }

    public static String ids(List<Subject> subjects) {
        return String.join(",", subjects.stream().map(Subject::id).toList());
    }

    public static List<Subject> all() {
        return Arrays.asList(values());
    }
}
