package org.ecbridge.storage;

import org.apache.camel.CamelContext;
import org.apache.camel.spi.Registry;
import org.ecbridge.config.BridgeSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Binds the S3 client, presigner and media store when {@code bridge.storage.type=s3}. The local store is bound by
 * its own beans when the type is {@code local}.
 */
public final class StorageBeans {

    private static final Logger LOG = LoggerFactory.getLogger(StorageBeans.class);

    private StorageBeans() {
    }

    public static boolean s3Enabled(BridgeSettings settings) {
        String type = settings.string("bridge.storage.type", "local");
        if (!type.equals("local") && !type.equals("s3")) {
            throw new IllegalStateException("bridge.storage.type must be local or s3, but is '" + type + "'");
        }
        return type.equals("s3");
    }

    public static void bindS3(BridgeSettings settings, CamelContext context, Registry registry) {
        S3Settings s3 = S3Settings.from(settings);
        registry.bind("s3Client", s3.newClient());
        registry.bind("s3Presigner", s3.newPresigner());
        registry.bind("mediaStore", new S3MediaStore(context.createProducerTemplate(), s3.keyPrefix()));
        LOG.info("Large media is stored in S3 bucket {} (endpoint {}, path-style {}, region {})", s3.bucket(),
                s3.endpoint().map(Object::toString).orElse("AWS"), s3.pathStyle(), s3.region());
    }
}
