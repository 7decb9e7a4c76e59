package example;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/** Compresses a thousand texts on a thousand virtual threads through four pooled deflaters. */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) throws Exception {
        try (Compressor compressor = new Compressor(4);
             ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<byte[]>> results = new ArrayList<>();
            for (int i = 0; i < 1_000; i++) {
                String text = ("text " + i + " ").repeat(100);
                results.add(threads.submit(() -> compressor.compress(text)));
            }
            long bytes = 0;
            for (Future<byte[]> result : results) {
                bytes += result.get().length;
            }
            System.out.println("compressed 1000 texts into " + bytes + " bytes; " + compressor.stats());
        }
    }
}
