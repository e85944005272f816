package org.ecbridge.testsupport;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;

/**
 * Samples parsed from Prometheus' text exposition format (version 0.0.4): one {@code name{labels} value} line
 * per sample, comment lines skipped. Label values are unescaped ({@code \\}, {@code \"}, {@code \n}).
 */
public final class PrometheusScrape {

    /** One sample line. */
    public record Sample(String name, Map<String, String> labels, double value) {
    }

    private final List<Sample> samples;
    private final String text;

    private PrometheusScrape(List<Sample> samples, String text) {
        this.samples = samples;
        this.text = text;
    }

    /** Parses {@code text}, failing on any line that is neither a comment nor a sample. */
    public static PrometheusScrape parse(String text) {
        List<Sample> samples = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            samples.add(parseLine(line));
        }
        return new PrometheusScrape(samples, text);
    }

    public List<Sample> samples() {
        return samples;
    }

    /** Returns the value of the sample with this name whose labels include {@code labels}, if there is one. */
    public OptionalDouble value(String name, Map<String, String> labels) {
        for (Sample sample : samples) {
            if (sample.name().equals(name) && sample.labels().entrySet().containsAll(labels.entrySet())) {
                return OptionalDouble.of(sample.value());
            }
        }
        return OptionalDouble.empty();
    }

    /** Like {@link #value}, but 0 when the sample is absent, as a counter that never moved is. */
    public double valueOrZero(String name, Map<String, String> labels) {
        return value(name, labels).orElse(0);
    }

    public boolean hasMetric(String name) {
        return samples.stream().anyMatch(sample -> sample.name().equals(name));
    }

    @Override
    public String toString() {
        return text;
    }

    private static Sample parseLine(String line) {
        int braceStart = line.indexOf('{');
        int nameEnd = braceStart >= 0 ? braceStart : line.indexOf(' ');
        if (nameEnd <= 0) {
            throw new IllegalArgumentException("not a Prometheus sample line: " + line);
        }
        String name = line.substring(0, nameEnd);
        Map<String, String> labels = new LinkedHashMap<>();
        int valueStart = nameEnd;
        if (braceStart >= 0) {
            valueStart = parseLabels(line, braceStart + 1, labels);
        }
        String[] rest = line.substring(valueStart).trim().split(" ");
        return new Sample(name, labels, Double.parseDouble(rest[0]));
    }

    /** Parses {@code key="value",...} up to the closing brace and returns the index after it. */
    private static int parseLabels(String line, int start, Map<String, String> labels) {
        int i = start;
        while (line.charAt(i) != '}') {
            int equals = line.indexOf('=', i);
            String key = line.substring(i, equals).trim();
            if (line.charAt(equals + 1) != '"') {
                throw new IllegalArgumentException("label " + key + " has no quoted value: " + line);
            }
            StringBuilder value = new StringBuilder();
            int j = equals + 2;
            while (line.charAt(j) != '"') {
                char c = line.charAt(j);
                if (c == '\\') {
                    char escaped = line.charAt(++j);
                    value.append(escaped == 'n' ? '\n' : escaped);
                } else {
                    value.append(c);
                }
                j++;
            }
            labels.put(key, value.toString());
            i = j + 1;
            if (line.charAt(i) == ',') {
                i++;
            }
        }
        return i + 1;
    }
}
