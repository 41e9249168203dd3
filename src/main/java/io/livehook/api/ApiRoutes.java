package io.livehook.api;

import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import java.util.ArrayList;
import java.util.List;

/**
 * Every endpoint under {@link ApiErrors#PREFIX}, in one list: the router is built from it, and the test of the
 * OpenAPI description reads it, so an endpoint cannot be served without being described (Helidon does not list
 * the routes it was given).
 */
public final class ApiRoutes implements HttpService {
    private final List<ApiRoute> routes = new ArrayList<>();

    public ApiRoutes(QueryApi queries, PresenceApi presence, DeliveriesApi deliveries, ReconcileApi reconcile,
            ProgressApi progress, OpenApiDescription description) {
        routes.addAll(queries.routes());
        routes.addAll(presence.routes());
        routes.addAll(deliveries.routes());
        routes.addAll(reconcile.routes());
        routes.addAll(progress.routes());
        routes.addAll(description.routes());
    }

    public List<ApiRoute> routes() {
        return List.copyOf(routes);
    }

    @Override
    public void routing(HttpRules rules) {
        routes.forEach(r -> rules.route(r.method(), r.path(), r.handler()));
    }
}
