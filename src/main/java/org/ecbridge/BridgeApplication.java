package org.ecbridge;

import org.apache.camel.main.Main;

/** Starts the bridge: Camel Main with the route files from {@code routes/} and the beans of {@link BridgeBeans}. */
public final class BridgeApplication {

    private BridgeApplication() {
    }

    public static void main(String[] args) throws Exception {
        Main main = new Main();
        main.configure().addConfiguration(BridgeBeans.class);
        System.exit(main.run(args));
    }
}
