package org.jzeo.storage.internal.osgi;

import java.util.function.UnaryOperator;

/**
 * Expands {@code ${name}} references (e.g. {@code ${karaf.data}}) in configuration values, in case
 * a value reaches the component unexpanded (ConfigAdmin itself does not interpolate).
 */
final class Placeholders {
    private Placeholders() {
    }

    /**
     * @param value  the text
     * @param lookup gives a property's value, or {@code null} when unknown
     * @return the text with every known {@code ${name}} replaced; unknown ones are left as they are
     */
    static String expand(String value, UnaryOperator<String> lookup) {
        if (value == null || !value.contains("${")) {
            return value;
        }
        StringBuilder out = new StringBuilder();
        int i = 0;
        while (i < value.length()) {
            int start = value.indexOf("${", i);
            int end = start < 0 ? -1 : value.indexOf('}', start + 2);
            if (start < 0 || end < 0) {
                out.append(value, i, value.length());
                break;
            }
            out.append(value, i, start);
            String key = value.substring(start + 2, end);
            String replacement = lookup.apply(key);
            out.append(replacement != null ? replacement : value.substring(start, end + 1));
            i = end + 1;
        }
        return out.toString();
    }
}
