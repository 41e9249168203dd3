package io.livehook.metrics;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * One scrape of {@code /metrics} in the Prometheus text format, parsed into samples: sample name (with
 * {@code _bucket}/{@code _count}/{@code _sum} suffixes as written), labels, value.
 */
final class Scrape {
    record Series(String name, Map<String, String> labels) {}

    private final Map<Series, Double> samples;

    private Scrape(Map<Series, Double> samples) {
        this.samples = samples;
    }

    static Scrape parse(String text) {
        Map<Series, Double> samples = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int i = 0;
            while (i < line.length() && line.charAt(i) != '{' && line.charAt(i) != ' ') {
                i++;
            }
            String name = line.substring(0, i);
            Map<String, String> labels = new TreeMap<>();
            if (i < line.length() && line.charAt(i) == '{') {
                i++;
                while (line.charAt(i) != '}') {
                    int eq = line.indexOf('=', i);
                    String label = line.substring(i, eq).strip();
                    StringBuilder value = new StringBuilder();
                    int j = eq + 2; // past ="
                    while (line.charAt(j) != '"') {
                        char c = line.charAt(j);
                        if (c == '\\') {
                            char next = line.charAt(++j);
                            value.append(next == 'n' ? '\n' : next);
                        } else {
                            value.append(c);
                        }
                        j++;
                    }
                    labels.put(label, value.toString());
                    i = j + 1;
                    if (line.charAt(i) == ',') {
                        i++;
                    }
                }
                i++;
            }
            String[] rest = line.substring(i).strip().split("\\s+");
            samples.put(new Series(name, Map.copyOf(labels)), parseValue(rest[0]));
        }
        return new Scrape(samples);
    }

    private static double parseValue(String value) {
        return switch (value) {
            case "+Inf" -> Double.POSITIVE_INFINITY;
            case "-Inf" -> Double.NEGATIVE_INFINITY;
            case "NaN" -> Double.NaN;
            default -> Double.parseDouble(value);
        };
    }

    /** Every sample name in the scrape. */
    Set<String> names() {
        Set<String> names = new TreeSet<>();
        samples.keySet().forEach(s -> names.add(s.name()));
        return names;
    }

    /** Sum of the samples named {@code name} whose labels include {@code labelPairs} (key, value, ...); 0 if none. */
    double sum(String name, String... labelPairs) {
        Map<String, String> wanted = pairs(labelPairs);
        return samples.entrySet().stream()
                .filter(e -> e.getKey().name().equals(name) && e.getKey().labels().entrySet().containsAll(wanted.entrySet()))
                .mapToDouble(Map.Entry::getValue)
                .sum();
    }

    /** The series of {@code name} whose value differs from {@code before} (absent counts as 0), with the change. */
    Map<Map<String, String>, Double> changedSince(Scrape before, String name) {
        Map<Map<String, String>, Double> changed = new LinkedHashMap<>();
        samples.forEach((series, value) -> {
            if (series.name().equals(name)) {
                double delta = value - before.samples.getOrDefault(series, 0.0);
                if (delta != 0) {
                    changed.put(series.labels(), delta);
                }
            }
        });
        return changed;
    }

    static Map<String, String> pairs(String... keyValues) {
        Map<String, String> map = new TreeMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            map.put(keyValues[i], keyValues[i + 1]);
        }
        return map;
    }
}
