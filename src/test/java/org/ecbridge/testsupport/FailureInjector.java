package org.ecbridge.testsupport;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.OptionalInt;
import java.util.regex.Pattern;

/**
 * Failures and delays that a test has scheduled for the next requests to a stand-in.
 *
 * <p>A rule matches a request when {@link java.util.regex.Matcher#find()} of its pattern succeeds on the request
 * path (percent-encoded, without the query) and, if the rule names a method, the method is equal. Each rule
 * applies to a fixed number of matching requests and is then dropped. When several rules match, the one added
 * first is used. Thread-safe.
 */
final class FailureInjector {

    private final List<Rule> failures = new ArrayList<>();
    private final List<Rule> delays = new ArrayList<>();
    private final List<Rule> responseHolds = new ArrayList<>();

    void failNext(String method, String pathRegex, int status, int times) {
        requirePositive(times);
        if (status < 100 || status > 599) {
            throw new IllegalArgumentException("status " + status + " is not an HTTP status code (100-599)");
        }
        synchronized (this) {
            failures.add(new Rule(method, pathRegex, status, Duration.ZERO, times));
        }
    }

    void delayNext(String method, String pathRegex, Duration delay, int times) {
        requirePositive(times);
        if (delay.isNegative()) {
            throw new IllegalArgumentException("delay " + delay + " is negative");
        }
        synchronized (this) {
            delays.add(new Rule(method, pathRegex, 0, delay, times));
        }
    }

    void holdResponseNext(String method, String pathRegex, Duration hold, int times) {
        requirePositive(times);
        synchronized (this) {
            responseHolds.add(new Rule(method, pathRegex, 0, hold, times));
        }
    }

    /** Consumes one use of the first response hold rule that matches, and returns it, or zero when none does. */
    synchronized Duration takeResponseHold(String method, String path) {
        Rule rule = take(responseHolds, method, path);
        return rule == null ? Duration.ZERO : rule.delay;
    }

    /** Drops every scheduled failure and delay. */
    synchronized void clear() {
        failures.clear();
        delays.clear();
    }

    /** Consumes one use of the first failure rule that matches, and returns its status. */
    synchronized OptionalInt takeFailure(String method, String path) {
        Rule rule = take(failures, method, path);
        return rule == null ? OptionalInt.empty() : OptionalInt.of(rule.status);
    }

    /** Consumes one use of the first delay rule that matches, and returns its delay, or zero when none does. */
    synchronized Duration takeDelay(String method, String path) {
        Rule rule = take(delays, method, path);
        return rule == null ? Duration.ZERO : rule.delay;
    }

    private static Rule take(List<Rule> rules, String method, String path) {
        Iterator<Rule> iterator = rules.iterator();
        while (iterator.hasNext()) {
            Rule rule = iterator.next();
            if (rule.matches(method, path)) {
                rule.remaining--;
                if (rule.remaining == 0) {
                    iterator.remove();
                }
                return rule;
            }
        }
        return null;
    }

    private static void requirePositive(int times) {
        if (times < 1) {
            throw new IllegalArgumentException("times " + times + " must be at least 1");
        }
    }

    private static final class Rule {

        private final String method;
        private final Pattern path;
        private final int status;
        private final Duration delay;
        private int remaining;

        Rule(String method, String pathRegex, int status, Duration delay, int times) {
            this.method = method == null ? null : method.toUpperCase(Locale.ROOT);
            this.path = Pattern.compile(pathRegex);
            this.status = status;
            this.delay = delay;
            this.remaining = times;
        }

        boolean matches(String requestMethod, String requestPath) {
            boolean methodMatches = method == null || method.equals(requestMethod);
            return methodMatches && path.matcher(requestPath).find();
        }
    }
}
