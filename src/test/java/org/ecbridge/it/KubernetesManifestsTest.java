package org.ecbridge.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import org.apache.camel.v1.Integration;
import org.apache.camel.v1.integrationspec.Sources;
import org.apache.camel.v1.integrationspec.Traits;
import org.ecbridge.config.BridgeSettings;
import org.ecbridge.testsupport.KubernetesManifests;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import com.fasterxml.jackson.databind.JsonNode;

/** Parses every manifest in {@code k8s/} into its typed model, strictly, and checks how they fit together. */
class KubernetesManifestsTest {

    private static final List<String> RECOMMENDED_LABELS = List.of("app.kubernetes.io/name",
            "app.kubernetes.io/instance", "app.kubernetes.io/component", "app.kubernetes.io/part-of");
    /**
     * Settings of the Redis state store and the S3 media store, whose sections of application.properties are
     * added beside this one. NOTE: once they are in application.properties, this list can go.
     */
    private static final Set<String> SHARED_STORE_VARIABLES = Set.of("BRIDGE_REDIS_URL", "BRIDGE_STORAGE_TYPE",
            "BRIDGE_S3_ENDPOINT", "BRIDGE_S3_BUCKET", "BRIDGE_S3_REGION", "BRIDGE_S3_PATH_STYLE",
            "BRIDGE_S3_ACCESS_KEY", "BRIDGE_S3_SECRET_KEY");

    @TempDir
    Path tempDir;

    @Test
    void everyManifestParsesStrictlyWithLabels() throws Exception {
        Map<String, Object> manifests = KubernetesManifests.loadAll();

        assertTrue(manifests.size() >= 12, "manifests found: " + manifests.keySet());
        manifests.forEach((file, manifest) -> {
            Map<String, String> labels = KubernetesManifests.labels(manifest);
            for (String label : RECOMMENDED_LABELS) {
                assertNotNull(labels.get(label), file + " lacks label " + label);
            }
            assertEquals("evolution-chatwoot-bridge", labels.get("app.kubernetes.io/part-of"), file);
        });
    }

    @Test
    void misspeltFieldIsRejected() throws Exception {
        String deployment = Files.readString(KubernetesManifests.DIRECTORY.resolve("bridge-deployment.yaml"));
        String integration = Files.readString(KubernetesManifests.DIRECTORY.resolve("camel-k-integration.yaml"));
        Path badDeployment = Files.writeString(tempDir.resolve("deployment.yaml"),
                deployment.replace("readinessProbe:", "readynessProbe:"));
        Path badIntegration = Files.writeString(tempDir.resolve("integration.yaml"),
                integration.replace("limitMemory:", "memoryLimit:"));

        IllegalArgumentException fabric8 = assertThrows(IllegalArgumentException.class,
                () -> KubernetesManifests.parse(badDeployment));
        IOException camelK = assertThrows(IOException.class,
                () -> KubernetesManifests.parse(badIntegration));

        assertTrue(fabric8.getMessage().contains("readynessProbe"), fabric8.getMessage());
        assertTrue(camelK.getMessage().contains("memoryLimit"), camelK.getMessage());
    }

    @Test
    void kustomizationListsThePlainStack() throws Exception {
        JsonNode kustomization = KubernetesManifests.kustomization();
        Set<String> listed = new TreeSet<>();
        kustomization.path("resources").forEach(resource -> listed.add(resource.asText()));
        Set<String> names = new HashSet<>();
        kustomization.fieldNames().forEachRemaining(names::add);

        Set<String> expected = new TreeSet<>(KubernetesManifests.loadAll().keySet());
        expected.removeIf(file -> file.startsWith("camel-k-"));
        assertEquals("kustomize.config.k8s.io/v1beta1", kustomization.path("apiVersion").asText());
        assertEquals("Kustomization", kustomization.path("kind").asText());
        assertEquals(Set.of("apiVersion", "kind", "resources"), names, "keys of kustomization.yaml");
        assertEquals(expected, listed, "every plain manifest and no Camel K one");
    }

    @Test
    void bridgeDeploymentRunsTwoProbedReplicas() throws Exception {
        Deployment deployment = KubernetesManifests.bridgeDeployment();
        PodSpec pod = deployment.getSpec().getTemplate().getSpec();
        Container bridge = pod.getContainers().get(0);
        Map<String, Integer> ports = new java.util.HashMap<>();
        for (ContainerPort port : bridge.getPorts()) {
            ports.put(port.getName(), port.getContainerPort());
        }

        assertEquals(2, deployment.getSpec().getReplicas());
        assertEquals(deployment.getSpec().getSelector().getMatchLabels().entrySet().stream()
                .filter(label -> !deployment.getSpec().getTemplate().getMetadata().getLabels().entrySet()
                        .contains(label)).toList(), List.of(), "selector matches the pod labels");
        assertEquals(Map.of("webhook", 8080, "management", 9876), ports);
        assertEquals("/observe/health/live", bridge.getLivenessProbe().getHttpGet().getPath());
        assertEquals("management", bridge.getLivenessProbe().getHttpGet().getPort().getStrVal());
        assertEquals("/observe/health/ready", bridge.getReadinessProbe().getHttpGet().getPath());
        assertEquals("management", bridge.getReadinessProbe().getHttpGet().getPort().getStrVal());
        assertEquals("/observe/health/live", bridge.getStartupProbe().getHttpGet().getPath());
        assertTrue(bridge.getReadinessProbe().getTimeoutSeconds() * 1000 > Long.parseLong(
                defaultProperty("bridge.health.probe-timeout-millis")), "readiness timeout covers one probe");
        assertTrue(KubernetesManifests.bridgeJavaOptions().contains("-Xmx128m"));
        assertEquals(bridge.getResources().getRequests().get("memory"),
                bridge.getResources().getLimits().get("memory"), "memory request equals the limit");
    }

    @Test
    void dataVolumeIsLargerThanTheQuotas() throws Exception {
        PodSpec pod = KubernetesManifests.bridgeDeployment().getSpec().getTemplate().getSpec();
        Volume data = pod.getVolumes().stream().filter(volume -> volume.getName().equals("data")).findFirst()
                .orElseThrow();
        ConfigMap config = (ConfigMap) KubernetesManifests.loadAll().get("bridge-configmap.yaml");
        long quotaBytes = Long.parseLong(config.getData().get("BRIDGE_DISK_SPOOL_QUOTA_BYTES"))
                + Long.parseLong(config.getData().get("BRIDGE_DISK_STAGING_QUOTA_BYTES"));

        long sizeLimitBytes = Quantity.getAmountInBytes(data.getEmptyDir().getSizeLimit()).longValueExact();
        assertTrue(quotaBytes < sizeLimitBytes, "spool and staging quotas (" + quotaBytes + " bytes) must stay "
                + "under the emptyDir sizeLimit (" + sizeLimitBytes + " bytes), or the kubelet evicts the pod");
        assertEquals("/data", config.getData().get("BRIDGE_DATA_DIR"));
        assertTrue(pod.getContainers().get(0).getVolumeMounts().stream()
                .anyMatch(mount -> mount.getName().equals("data") && mount.getMountPath().equals("/data")));
    }

    @Test
    void environmentNamesAreBridgeSettings() throws Exception {
        Map<String, Object> manifests = KubernetesManifests.loadAll();
        ConfigMap config = (ConfigMap) manifests.get("bridge-configmap.yaml");
        Secret secret = (Secret) manifests.get("bridge-secret.yaml");
        Set<String> known = new HashSet<>(SHARED_STORE_VARIABLES);
        for (String key : defaultProperties().stringPropertyNames()) {
            known.add(BridgeSettings.environmentName(key));
        }
        List<String> variables = new ArrayList<>(config.getData().keySet());
        variables.addAll(secret.getStringData().keySet());

        for (String variable : variables) {
            assertTrue(known.contains(variable), variable + " is not a setting of application.properties");
        }
        Container bridge = KubernetesManifests.bridgeDeployment().getSpec().getTemplate().getSpec()
                .getContainers().get(0);
        for (EnvFromSource source : bridge.getEnvFrom()) {
            String name = source.getConfigMapRef() != null ? source.getConfigMapRef().getName()
                    : source.getSecretRef().getName();
            assertEquals(config.getMetadata().getName(), name, "envFrom names an object of k8s/");
        }
    }

    @Test
    void serviceSendsWebhooksToTheWebhookPort() throws Exception {
        Service service = (Service) KubernetesManifests.loadAll().get("bridge-service.yaml");
        Deployment deployment = KubernetesManifests.bridgeDeployment();

        assertTrue(deployment.getSpec().getTemplate().getMetadata().getLabels().entrySet()
                .containsAll(service.getSpec().getSelector().entrySet()), "selector matches the bridge pods");
        assertTrue(service.getSpec().getPorts().stream().anyMatch(port -> port.getName().equals("webhook")
                && port.getTargetPort().getStrVal().equals("webhook")));
        assertTrue(service.getSpec().getPublishNotReadyAddresses(),
                "a Chatwoot outage must not stop webhook intake");
    }

    @Test
    void camelKIntegrationRunsEveryRouteFile() throws Exception {
        Integration integration = (Integration) KubernetesManifests.loadAll().get("camel-k-integration.yaml");
        Traits traits = integration.getSpec().getTraits();
        Set<String> sources = new TreeSet<>();
        for (Sources source : integration.getSpec().getSources()) {
            sources.add(source.getContentKey());
            assertEquals(source.getName(), source.getContentKey());
        }
        Set<String> routeFiles = new TreeSet<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(Path.of("routes"), "*.camel.yaml")) {
            files.forEach(file -> routeFiles.add(file.getFileName().toString()));
        }

        assertEquals(routeFiles, sources, "the Integration runs the files of routes/");
        assertTrue(traits.getJvm().getOptions().contains("-Xmx128m"));
        assertTrue(traits.getMount().getVolumes().contains("evolution-chatwoot-bridge-data:/data"));
        assertTrue(traits.getCamel().getProperties().contains(
                "camel.main.configurationClasses=org.ecbridge.BridgeBeans"));
        Container bridge = KubernetesManifests.bridgeDeployment().getSpec().getTemplate().getSpec()
                .getContainers().get(0);
        assertEquals(bridge.getResources().getLimits().get("memory").toString(),
                traits.getContainer().getLimitMemory(), "same memory limit as the Deployment");
        assertTrue(KubernetesManifests.loadAll().containsKey("camel-k-data-pvc.yaml"));
    }

    private static Properties defaultProperties() throws IOException {
        Properties properties = new Properties();
        try (InputStream in = KubernetesManifestsTest.class.getResourceAsStream("/application.properties")) {
            properties.load(in);
        }
        return properties;
    }

    private static String defaultProperty(String key) throws IOException {
        return defaultProperties().getProperty(key);
    }
}
