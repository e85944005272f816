package org.ecbridge.storage;

import java.net.URI;
import java.util.Optional;

import org.ecbridge.config.BridgeSettings;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/**
 * Builds the S3 client and presigner from the {@code bridge.s3.*} settings, for AWS and for S3-compatible servers
 * such as MinIO or S3Proxy (endpoint override and path-style addressing).
 *
 * <p>AWS SDK v2 from 2.30 on adds checksum trailers to uploads that some S3-compatible servers (S3Proxy 2.6, older
 * MinIO, Ceph) never finish reading, so checksums default to {@code WHEN_REQUIRED}.
 */
public record S3Settings(String bucket, String keyPrefix, Region region, Optional<URI> endpoint, boolean pathStyle,
        AwsCredentialsProvider credentials, boolean checksumsWhenRequired) {

    public static S3Settings from(BridgeSettings settings) {
        Optional<URI> endpoint = settings.optional("bridge.s3.endpoint").map(URI::create);
        Optional<String> accessKey = settings.optional("bridge.s3.access-key");
        AwsCredentialsProvider credentials = accessKey.isPresent()
                ? StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKey.get(),
                        settings.optional("bridge.s3.secret-key").orElseThrow(() -> new IllegalStateException(
                                "bridge.s3.access-key is set but bridge.s3.secret-key is missing"))))
                : DefaultCredentialsProvider.builder().build();
        return new S3Settings(settings.string("bridge.s3.bucket", "bridge-media"),
                settings.string("bridge.s3.key-prefix", "media/"),
                Region.of(settings.string("bridge.s3.region", "us-east-1")), endpoint,
                Boolean.parseBoolean(settings.string("bridge.s3.path-style", endpoint.isPresent() ? "true" : "false")),
                credentials,
                settings.string("bridge.s3.checksums", "when-required").equalsIgnoreCase("when-required"));
    }

    public S3Client newClient() {
        var builder = S3Client.builder()
                .region(region)
                .credentialsProvider(credentials)
                .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(pathStyle).build());
        endpoint.ifPresent(builder::endpointOverride);
        if (checksumsWhenRequired) {
            builder.requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                    .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED);
        }
        return builder.build();
    }

    /** Builds the presigner; it needs path-style addressing set explicitly or its links name the bucket as a host. */
    public S3Presigner newPresigner() {
        var builder = S3Presigner.builder()
                .region(region)
                .credentialsProvider(credentials)
                .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(pathStyle).build());
        endpoint.ifPresent(builder::endpointOverride);
        return builder.build();
    }
}
