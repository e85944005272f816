package org.ecbridge.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import org.apache.camel.CamelContext;
import org.apache.camel.spi.PropertiesComponent;

/**
 * The bridge's settings, read once from the {@code bridge.*} properties (application.properties, then
 * environment variables such as {@code BRIDGE_CHATWOOT_URL}).
 */
public final class BridgeSettings {

    public static final String CHATWOOT_URL = "bridge.chatwoot.url";
    public static final String CHATWOOT_API_TOKEN = "bridge.chatwoot.api-token";
    public static final String CHATWOOT_ACCOUNT_ID = "bridge.chatwoot.account-id";
    public static final String CHATWOOT_INBOX_ID = "bridge.chatwoot.inbox-id";

    private static final List<String> REQUIRED = List.of(
            CHATWOOT_URL, CHATWOOT_API_TOKEN, CHATWOOT_ACCOUNT_ID, CHATWOOT_INBOX_ID);

    private final PropertiesComponent properties;

    private BridgeSettings(PropertiesComponent properties) {
        this.properties = properties;
    }

    /**
     * Reads the settings and checks that every required one is present and every number parses.
     *
     * @throws IllegalStateException naming each missing or invalid setting and its environment variable
     */
    public static BridgeSettings load(CamelContext context) {
        BridgeSettings settings = new BridgeSettings(context.getPropertiesComponent());
        List<String> problems = new ArrayList<>();
        for (String key : REQUIRED) {
            if (settings.optional(key).isEmpty()) {
                problems.add(key + " (environment variable " + environmentName(key) + ") is missing");
            }
        }
        settings.optional(CHATWOOT_URL).ifPresent(url -> {
            if (!url.startsWith("http://") && !url.startsWith("https://")) {
                problems.add(CHATWOOT_URL + " must start with http:// or https://, but is '" + url + "'");
            }
        });
        for (String key : List.of(CHATWOOT_ACCOUNT_ID, CHATWOOT_INBOX_ID)) {
            settings.optional(key).ifPresent(value -> {
                if (!value.matches("\\d+")) {
                    problems.add(key + " must be a number, but is '" + value + "'");
                }
            });
        }
        try {
            settings.inboxByInstance();
        } catch (IllegalArgumentException e) {
            problems.add(e.getMessage());
        }
        settings.evolutionUrlProblem().ifPresent(problems::add);
        if (!problems.isEmpty()) {
            throw new IllegalStateException("The bridge cannot start: " + String.join("; ", problems)
                    + ". Set them in application.properties or as environment variables.");
        }
        return settings;
    }

    /**
     * Returns why {@code bridge.evolution.url} cannot be right: with an API key set, a URL on this machine at the
     * bridge's own webhook port (both default to 8080) would make the bridge call itself.
     */
    private Optional<String> evolutionUrlProblem() {
        Optional<String> url = optional("bridge.evolution.url");
        if (optional("bridge.evolution.api-key").isEmpty() || url.isEmpty()) {
            return Optional.empty();
        }
        try {
            java.net.URI uri = java.net.URI.create(url.get());
            int port = uri.getPort() >= 0 ? uri.getPort() : "https".equals(uri.getScheme()) ? 443 : 80;
            boolean local = java.util.Set.of("localhost", "127.0.0.1", "0.0.0.0", "[::1]")
                    .contains(String.valueOf(uri.getHost()));
            if (local && port == longValue("bridge.webhook.port", 8080)) {
                return Optional.of("bridge.evolution.url (environment variable BRIDGE_EVOLUTION_URL) is " + url.get()
                        + ", this bridge's own webhook port; set it to EvolutionAPI's address, or move the bridge "
                        + "with BRIDGE_WEBHOOK_PORT");
            }
            return Optional.empty();
        } catch (IllegalArgumentException e) {
            return Optional.of("bridge.evolution.url must be a URL, but is '" + url.get() + "'");
        }
    }

    public static String environmentName(String key) {
        return key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    public Optional<String> optional(String key) {
        return properties.resolveProperty(key).map(String::trim).filter(value -> !value.isEmpty());
    }

    public String string(String key, String defaultValue) {
        return optional(key).orElse(defaultValue);
    }

    public long longValue(String key, long defaultValue) {
        Optional<String> value = optional(key);
        if (value.isEmpty()) {
            return defaultValue;
        }
        try {
            return Long.parseLong(value.get());
        } catch (NumberFormatException e) {
            throw new IllegalStateException(key + " must be a whole number, but is '" + value.get() + "'", e);
        }
    }

    public List<String> list(String key, String defaultValue) {
        List<String> items = new ArrayList<>();
        for (String item : string(key, defaultValue).split(",")) {
            if (!item.isBlank()) {
                items.add(item.trim());
            }
        }
        return items;
    }

    public Path dataDir() {
        return Path.of(string("bridge.data-dir", "data")).toAbsolutePath().normalize();
    }

    public String chatwootUrl() {
        String url = optional(CHATWOOT_URL).orElseThrow();
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }

    public String chatwootApiToken() {
        return optional(CHATWOOT_API_TOKEN).orElseThrow();
    }

    public long chatwootAccountId() {
        return longValue(CHATWOOT_ACCOUNT_ID, 0);
    }

    public long chatwootInboxId() {
        return longValue(CHATWOOT_INBOX_ID, 0);
    }

    public Duration idCacheTtl() {
        return Duration.ofSeconds(longValue("bridge.chatwoot.id-cache-ttl-seconds", 1800));
    }

    /** Chatwoot inbox ids keyed by EvolutionAPI instance name, from {@code bridge.chatwoot.inbox-by-instance}. */
    public Map<String, Long> inboxByInstance() {
        Map<String, Long> inboxes = new LinkedHashMap<>();
        for (String pair : list("bridge.chatwoot.inbox-by-instance", "")) {
            int colon = pair.lastIndexOf(':');
            String inbox = colon < 0 ? "" : pair.substring(colon + 1).trim();
            if (colon <= 0 || !inbox.matches("\\d+")) {
                throw new IllegalArgumentException("bridge.chatwoot.inbox-by-instance entry '" + pair
                        + "' is invalid; write instance:inboxId pairs such as sales:7,support:9");
            }
            inboxes.put(pair.substring(0, colon).trim(), Long.parseLong(inbox));
        }
        return inboxes;
    }
}
