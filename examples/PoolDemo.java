import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The pooling demo of the log catalogue, against a running gateway: sequential requests (watch
 * the server log for "Reusing existing connection" with a growing use_count and no "Created new
 * connection"), then concurrent ones (watch "Created new connection ... (total: n/max)"), with
 * /pool/stats before and after.
 *
 * <p>No build step: {@code java examples/PoolDemo.java [base-url] [concurrent-requests]}. Runs on
 * Java 17 or newer. Set POOLGATE_DEMO_API_KEY when the gateway requires a proxy key.
 */
public class PoolDemo {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    public static void main(String[] args) throws Exception {
        String base = args.length > 0 ? args[0] : "http://127.0.0.1:8000";
        int concurrent = args.length > 1 ? Integer.parseInt(args[1]) : 12;
        String key = System.getenv().getOrDefault("POOLGATE_DEMO_API_KEY", "demo-key");

        System.out.println("== Pool stats before");
        String before;
        try {
            before = get(base + "/pool/stats");
        } catch (java.net.ConnectException e) {
            System.err.println("No gateway answers at " + base + ": start it first with bin/poolgate");
            System.exit(1);
            return;
        }
        System.out.println(before);

        System.out.println();
        System.out.println("== 5 sequential requests: the server log shows one connection reused, use_count 1, 2, 3...");
        for (int i = 1; i <= 5; i++) {
            HttpResponse<String> response = post(base, key, "Sequential request number " + i, false);
            System.out.printf("  request %d: HTTP %d, %s%n", i, response.statusCode(), excerpt(response.body()));
        }
        String afterSequential = get(base + "/pool/stats");
        System.out.println("  connections created meanwhile: "
                + (number(afterSequential, "connections_created") - number(before, "connections_created"))
                + " (sequential requests never create one)");

        System.out.println();
        System.out.println("== " + concurrent + " concurrent streamed requests: the pool grows, never past its max");
        ExecutorService threads = Executors.newFixedThreadPool(concurrent);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Integer>> results = new ArrayList<>();
        for (int i = 1; i <= concurrent; i++) {
            int n = i;
            results.add(threads.submit(() -> {
                start.await();
                return post(base, key, "Concurrent request number " + n + ", please answer at some length", true)
                        .statusCode();
            }));
        }
        start.countDown();
        StringBuilder statuses = new StringBuilder();
        for (Future<Integer> result : results) {
            statuses.append(result.get()).append(' ');
        }
        threads.shutdown();
        System.out.println("  statuses: " + statuses.toString().trim());

        System.out.println();
        System.out.println("== Pool stats after");
        String after = get(base + "/pool/stats");
        System.out.println(after);
        System.out.printf("  created +%d, reused +%d, acquire timeouts +%d; total %d (available %d, in use %d)%n",
                number(after, "connections_created") - number(before, "connections_created"),
                number(after, "connections_reused") - number(before, "connections_reused"),
                number(after, "acquire_timeouts") - number(before, "acquire_timeouts"),
                number(after, "total_connections"), number(after, "available_connections"),
                number(after, "in_use_connections"));
    }

    private static HttpResponse<String> post(String base, String key, String text, boolean stream) throws Exception {
        String body = "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":256,\"stream\":" + stream
                + ",\"messages\":[{\"role\":\"user\",\"content\":\"" + text + "\"}]}";
        HttpRequest request = HttpRequest.newBuilder(URI.create(base + "/v1/messages"))
                .timeout(Duration.ofSeconds(60))
                .header("content-type", "application/json")
                .header("anthropic-version", "2023-06-01")
                .header("x-api-key", key)
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
        return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
    }

    private static String get(String url) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build();
        HttpResponse<String> response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IllegalStateException("GET " + url + " answered " + response.statusCode() + ": " + response.body());
        }
        return response.body();
    }

    private static long number(String json, String field) {
        Matcher matcher = Pattern.compile("\"" + field + "\"\\s*:\\s*(\\d+)").matcher(json);
        return matcher.find() ? Long.parseLong(matcher.group(1)) : -1;
    }

    private static String excerpt(String body) {
        Matcher text = Pattern.compile("\"text\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.){0,60})").matcher(body);
        return text.find() ? "\"" + text.group(1).replace("\\\"", "\"") + "...\"" : body.length() > 80 ? body.substring(0, 80) + "..." : body;
    }
}
