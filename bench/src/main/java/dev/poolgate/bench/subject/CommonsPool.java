package dev.poolgate.bench.subject;

import java.time.Duration;
import java.util.NoSuchElementException;
import org.apache.commons.pool2.BasePooledObjectFactory;
import org.apache.commons.pool2.PooledObject;
import org.apache.commons.pool2.impl.DefaultPooledObject;
import org.apache.commons.pool2.impl.GenericObjectPool;
import org.apache.commons.pool2.impl.GenericObjectPoolConfig;

/** commons-pool2's {@link GenericObjectPool}, with no evictor and no JMX, unfair or fair. */
final class CommonsPool implements BenchPool {

    private final GenericObjectPool<Object> pool;
    private final Duration timeout;

    CommonsPool(int size, Duration timeout, boolean fair) {
        this.timeout = timeout;
        GenericObjectPoolConfig<Object> config = new GenericObjectPoolConfig<>();
        config.setMaxTotal(size);
        config.setMaxIdle(size);
        config.setMinIdle(size);
        config.setFairness(fair);
        config.setBlockWhenExhausted(true);
        config.setMaxWait(timeout);
        config.setJmxEnabled(false);
        pool = new GenericObjectPool<>(new BasePooledObjectFactory<>() {
            @Override
            public Object create() {
                return new Object();
            }

            @Override
            public PooledObject<Object> wrap(Object object) {
                return new DefaultPooledObject<>(object);
            }
        }, config);
        try {
            pool.preparePool();
        } catch (Exception e) {
            throw new IllegalStateException("commons-pool2 could not create its objects", e);
        }
    }

    @Override
    public Object acquire() throws InterruptedException {
        try {
            return pool.borrowObject(timeout);
        } catch (NoSuchElementException e) {
            return null;
        } catch (InterruptedException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void release(Object handle) {
        pool.returnObject(handle);
    }

    @Override
    public Duration timeout() {
        return timeout;
    }

    @Override
    public void close() {
        pool.close();
    }
}
