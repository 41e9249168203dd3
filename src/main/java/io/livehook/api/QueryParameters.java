package io.livehook.api;

import io.helidon.common.uri.UriQuery;
import io.livehook.state.StateQueries;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/** The query parameters of one request, checked: unknown or repeated names and bad values answer 400. */
final class QueryParameters {
    static final int DEFAULT_LIMIT = 100;

    private final UriQuery query;

    QueryParameters(UriQuery query, String... allowed) {
        this.query = query;
        Set<String> known = Set.of(allowed);
        for (String name : new TreeSet<>(query.names())) {
            if (!known.contains(name)) {
                throw ApiException.badRequest("unknown parameter \"" + name + "\""
                        + (allowed.length == 0 ? ": this endpoint takes none" : " (known here: "
                        + String.join(", ", allowed) + ")"));
            }
            if (query.all(name).size() > 1) {
                throw ApiException.badRequest("parameter \"" + name + "\" is given more than once");
            }
        }
    }

    /** The parameter's value; absent when missing or blank. */
    Optional<String> text(String name) {
        return query.first(name).asOptional().map(String::strip).filter(v -> !v.isEmpty());
    }

    int limit() {
        Optional<String> value = text("limit");
        if (value.isEmpty()) {
            return DEFAULT_LIMIT;
        }
        try {
            int limit = Integer.parseInt(value.get());
            if (limit >= 1 && limit <= StateQueries.MAX_LIMIT) {
                return limit;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw ApiException.badRequest("limit must be a whole number from 1 to " + StateQueries.MAX_LIMIT
                + ", got \"" + value.get() + "\"");
    }

    /** A time in Unix milliseconds. */
    Optional<Long> epochMs(String name) {
        Optional<String> value = text(name);
        if (value.isEmpty()) {
            return Optional.empty();
        }
        try {
            long ms = Long.parseLong(value.get());
            if (ms >= 0) {
                return Optional.of(ms);
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw ApiException.badRequest(name + " must be a time in Unix milliseconds (a whole number), got \""
                + value.get() + "\"");
    }

    Optional<String> oneOf(String name, Collection<String> allowed) {
        Optional<String> value = text(name);
        if (value.isPresent() && !allowed.contains(value.get())) {
            throw ApiException.badRequest(name + " must be one of " + String.join(", ", List.copyOf(allowed))
                    + ", got \"" + value.get() + "\"");
        }
        return value;
    }
}
