package io.livehook.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code livehook probe}: a health check for containers, whose image has no shell and no curl. */
@Command(name = "probe",
        description = "Ask a running livehook whether it is ready (GET /readyz): exit 0 if it answers 200, 1 if not.")
final class ProbeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--url", defaultValue = "http://127.0.0.1:${env:LIVEHOOK_PORT:-8080}/readyz",
            description = "What to ask (default: ${DEFAULT-VALUE}, the port from $LIVEHOOK_PORT).")
    String url;

    @Option(names = "--timeout", defaultValue = "5", description = "Seconds to wait for the answer (default ${DEFAULT-VALUE}).")
    int timeoutSeconds;

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        Duration timeout = Duration.ofSeconds(Math.max(1, timeoutSeconds));
        HttpRequest request;
        try {
            request = HttpRequest.newBuilder(URI.create(url)).timeout(timeout).GET().build();
        } catch (IllegalArgumentException e) {
            spec.commandLine().getErr().println("livehook probe: --url " + url + " is not a URL");
            return 2;
        }
        try (HttpClient http = HttpClient.newBuilder().connectTimeout(timeout).build()) {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            out.println(url + ": " + response.statusCode() + " " + response.body().strip());
            return response.statusCode() == 200 ? 0 : 1;
        } catch (IOException e) {
            out.println(url + ": no answer (" + e + ")");
            return 1;
        }
    }
}
