package org.ecbridge;

import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.spi.Registry;
import org.ecbridge.staging.DeliveryLanes;

/**
 * Creates the delivery lanes: routes {@code chatwoot-delivery-0} to {@code chatwoot-delivery-<lanes - 1>} from
 * the route template {@code chatwoot-delivery-lane} in {@code routes/chatwoot-delivery.camel.yaml}, and the file
 * filter of each lane, {@code deliveryLane<lane>}. Camel Main adds templated routes after the route files'
 * templates, so the template exists when this builder, bound in the registry, runs.
 */
public final class DeliveryLaneRoutes extends RouteBuilder {

    public static final String TEMPLATE_ID = "chatwoot-delivery-lane";
    public static final String ROUTE_ID_PREFIX = "chatwoot-delivery-";

    private final int lanes;

    private DeliveryLaneRoutes(int lanes) {
        this.lanes = lanes;
    }

    /** Binds the lanes' file filters and this builder, which Camel Main collects from the registry. */
    public static void bind(Registry registry, long lanesSetting) {
        int lanes = DeliveryLanes.requireValidCount(lanesSetting);
        for (int lane = 0; lane < lanes; lane++) {
            registry.bind("deliveryLane" + lane, DeliveryLanes.filter(lane, lanes));
        }
        registry.bind("deliveryLaneRoutes", new DeliveryLaneRoutes(lanes));
    }

    @Override
    public void configure() {
        for (int lane = 0; lane < lanes; lane++) {
            templatedRoute(TEMPLATE_ID)
                    .routeId(ROUTE_ID_PREFIX + lane)
                    .parameter("lane", Integer.toString(lane));
        }
    }
}
