package org.ecbridge.testsupport;

import java.net.URI;
import java.nio.file.Path;
import java.util.Properties;

import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStoreContext;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;

/**
 * A real S3 server for tests: S3Proxy with jclouds' filesystem blob store, on a free loopback port, with AWS
 * signature V2/V4 authentication.
 */
public final class S3ProxyServer implements AutoCloseable {

    public static final String ACCESS_KEY = "test-access-key";
    public static final String SECRET_KEY = "test-secret-key";

    private final S3Proxy proxy;
    private final BlobStoreContext blobStore;
    private final URI endpoint;

    private S3ProxyServer(S3Proxy proxy, BlobStoreContext blobStore, URI endpoint) {
        this.proxy = proxy;
        this.blobStore = blobStore;
        this.endpoint = endpoint;
    }

    public static S3ProxyServer start(Path directory, String... buckets) throws Exception {
        Properties properties = new Properties();
        properties.setProperty("jclouds.filesystem.basedir", directory.toString());
        BlobStoreContext blobStore = ContextBuilder.newBuilder("filesystem").overrides(properties)
                .build(BlobStoreContext.class);
        for (String bucket : buckets) {
            blobStore.getBlobStore().createContainerInLocation(null, bucket);
        }
        URI endpoint = URI.create("http://127.0.0.1:" + EmbeddedBridge.freePort());
        S3Proxy proxy = S3Proxy.builder()
                .blobStore(blobStore.getBlobStore())
                .endpoint(endpoint)
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY)
                .build();
        proxy.start();
        long deadline = System.currentTimeMillis() + 20_000;
        while (!"STARTED".equals(proxy.getState())) {
            if (System.currentTimeMillis() > deadline) {
                throw new IllegalStateException("S3Proxy did not start: " + proxy.getState());
            }
            Thread.sleep(50);
        }
        return new S3ProxyServer(proxy, blobStore, endpoint);
    }

    public URI endpoint() {
        return endpoint;
    }

    /** Returns a client of its own for reading objects back, independent of the bridge's. */
    public S3Client client() {
        return S3Client.builder()
                .endpointOverride(endpoint)
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(ACCESS_KEY, SECRET_KEY)))
                .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(true).build())
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .build();
    }

    @Override
    public void close() throws Exception {
        proxy.stop();
        blobStore.close();
    }
}
