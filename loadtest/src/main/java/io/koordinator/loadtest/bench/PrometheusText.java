package io.koordinator.loadtest.bench;

/** Reads single values out of the Prometheus text format. */
final class PrometheusText {
    private PrometheusText() {}

    /**
     * The sum of every sample named exactly {@code name} (any labels), or NaN if there is none.
     *
     * @see <a href="https://prometheus.io/docs/instrumenting/exposition_formats/">exposition formats</a>
     */
    static double value(String text, String name) {
        double sum = 0;
        boolean found = false;
        for (String line : text.split("\n")) {
            if (line.startsWith("#") || !line.startsWith(name)) {
                continue;
            }
            String rest = line.substring(name.length());
            if (!(rest.startsWith(" ") || rest.startsWith("{"))) {
                continue;
            }
            String[] parts = rest.substring(rest.lastIndexOf('}') + 1).trim().split("\\s+");
            try {
                sum += Double.parseDouble(parts[0]);
                found = true;
            } catch (NumberFormatException e) {
                // not a sample line
            }
        }
        return found ? sum : Double.NaN;
    }
}
