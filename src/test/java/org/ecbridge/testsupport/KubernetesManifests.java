package org.ecbridge.testsupport;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import org.apache.camel.v1.Integration;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

/**
 * The manifests in {@code k8s/}, each parsed into its typed model: fabric8's Kubernetes model for the built-in
 * kinds and the Camel K CRD classes for {@code Integration}.
 *
 * <p>Parsing is strict. Jackson rejects a field that a Camel K class lacks, and because fabric8's classes collect
 * unknown fields in {@code additionalProperties} instead of rejecting them, every object in the parsed tree is
 * checked for a non-empty {@code additionalProperties}, so a misspelt field fails either way.
 */
public final class KubernetesManifests {

    public static final Path DIRECTORY = Path.of("k8s");
    public static final String BRIDGE_DEPLOYMENT = "bridge-deployment.yaml";

    private static final ObjectMapper YAML = YAMLMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();
    private static final Map<String, Class<?>> KINDS = Map.of(
            "v1/ConfigMap", ConfigMap.class,
            "v1/Secret", Secret.class,
            "v1/Service", Service.class,
            "v1/PersistentVolumeClaim", PersistentVolumeClaim.class,
            "apps/v1/Deployment", Deployment.class,
            "batch/v1/Job", Job.class,
            "camel.apache.org/v1/Integration", Integration.class);

    private KubernetesManifests() {
    }

    /** Returns every manifest file of {@code k8s/} except {@code kustomization.yaml}, by file name. */
    public static Map<String, Object> loadAll() throws IOException {
        Map<String, Object> manifests = new LinkedHashMap<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(DIRECTORY, "*.yaml")) {
            List<Path> sorted = new ArrayList<>();
            files.forEach(sorted::add);
            sorted.sort(null);
            for (Path file : sorted) {
                if (!file.getFileName().toString().equals("kustomization.yaml")) {
                    manifests.put(file.getFileName().toString(), parse(file));
                }
            }
        }
        return manifests;
    }

    /** Parses one single-document manifest into the class its apiVersion and kind name. */
    public static Object parse(Path file) throws IOException {
        String text = Files.readString(file);
        JsonNode tree = YAML.readTree(text);
        String type = tree.path("apiVersion").asText() + "/" + tree.path("kind").asText();
        Class<?> modelClass = KINDS.get(type);
        if (modelClass == null) {
            throw new IllegalArgumentException(file + " has apiVersion/kind " + type + ", which no typed model in "
                    + "this test covers: " + KINDS.keySet());
        }

        Object manifest = YAML.readValue(text, modelClass);
        List<String> unknown = new ArrayList<>();
        collectUnknownFields(manifest, "", unknown, java.util.Collections.newSetFromMap(new IdentityHashMap<>()));
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException(file + " has fields that " + modelClass.getSimpleName()
                    + " does not define: " + unknown);
        }
        return manifest;
    }

    /** Returns the parsed kustomization file as a tree, whose keys the test checks. */
    public static JsonNode kustomization() throws IOException {
        return YAML.readTree(Files.readString(DIRECTORY.resolve("kustomization.yaml")));
    }

    public static Deployment bridgeDeployment() throws IOException {
        return (Deployment) parse(DIRECTORY.resolve(BRIDGE_DEPLOYMENT));
    }

    /** Returns the memory limit of the bridge container in bytes. */
    public static long bridgeMemoryLimitBytes() throws IOException {
        Quantity limit = bridgeDeployment().getSpec().getTemplate().getSpec().getContainers().get(0)
                .getResources().getLimits().get("memory");
        return Quantity.getAmountInBytes(limit).longValueExact();
    }

    /** Returns the JVM options the container passes to java, from its JAVA_OPTS variable. */
    public static List<String> bridgeJavaOptions() throws IOException {
        for (EnvVar variable : bridgeDeployment().getSpec().getTemplate().getSpec().getContainers().get(0)
                .getEnv()) {
            if (variable.getName().equals("JAVA_OPTS")) {
                return Arrays.asList(variable.getValue().trim().split("\\s+"));
            }
        }
        throw new IllegalStateException(BRIDGE_DEPLOYMENT + " sets no JAVA_OPTS for the bridge container");
    }

    public static Map<String, String> labels(Object manifest) {
        if (manifest instanceof HasMetadata resource) {
            return resource.getMetadata().getLabels();
        }
        throw new IllegalArgumentException(manifest + " has no metadata");
    }

    private static void collectUnknownFields(Object value, String path, List<String> unknown, Set<Object> seen) {
        if (value instanceof Collection<?> items) {
            int i = 0;
            for (Object item : items) {
                collectUnknownFields(item, path + "[" + i++ + "]", unknown, seen);
            }
            return;
        }
        if (value instanceof Map<?, ?> entries) {
            entries.forEach((key, item) -> collectUnknownFields(item, path + "." + key, unknown, seen));
            return;
        }
        if (value == null || !isModel(value.getClass()) || !seen.add(value)) {
            return;
        }
        for (Class<?> type = value.getClass(); type != null && type != Object.class; type = type.getSuperclass()) {
            for (Field field : type.getDeclaredFields()) {
                if (Modifier.isStatic(field.getModifiers())) {
                    continue;
                }
                Object fieldValue = read(field, value);
                if (field.getName().equals("additionalProperties") && fieldValue instanceof Map<?, ?> extra) {
                    extra.keySet().forEach(key -> unknown.add(path + "." + key));
                } else {
                    collectUnknownFields(fieldValue, path + "." + field.getName(), unknown, seen);
                }
            }
        }
    }

    private static boolean isModel(Class<?> type) {
        String name = type.getName();
        return name.startsWith("io.fabric8.kubernetes.") || name.startsWith("org.apache.camel.v1.");
    }

    private static Object read(Field field, Object owner) {
        try {
            field.setAccessible(true);
            return field.get(owner);
        } catch (IllegalAccessException e) {
            throw new IllegalStateException("cannot read " + field, e);
        }
    }
}
