package io.livehook.cli;

import io.livehook.client.LivehookApiException;
import io.livehook.client.LivehookClient;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** A command that calls a running livehook's API: exit 0 when it answered, 1 when not, 2 for a bad option. */
abstract class ApiCommand implements Callable<Integer> {
    @Mixin
    ApiOptions.WithOldNames options;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        LivehookClient api;
        try {
            api = options.client(System.getenv());
        } catch (IllegalArgumentException e) {
            spec.commandLine().getErr().println("livehook: " + e.getMessage());
            return 2;
        }
        try {
            run(api, spec.commandLine().getOut());
            spec.commandLine().getOut().flush();
            return 0;
        } catch (LivehookApiException e) {
            spec.commandLine().getErr().println("livehook: " + e.getMessage());
            return 1;
        }
    }

    abstract void run(LivehookClient api, PrintWriter out) throws LivehookApiException;
}
