/**
 * A parser for the ZConfig configuration format used by ZEO's config files ({@code runzeo -C},
 * {@code <zeoclient>}): typed sections {@code <type [name]>}…{@code </type>} (and empty ones,
 * {@code <type [name]/>}), nested to any depth, {@code key value} lines, {@code #} comment lines,
 * {@code %define NAME value} with {@code $NAME}/{@code ${NAME}} substitution ({@code $$} is a
 * literal dollar), {@code %include PATH} and {@code %import PACKAGE}.
 *
 * <p>{@link org.jzeo.api.config.ConfigParser} turns text into an immutable
 * {@link org.jzeo.api.config.ConfigSection} tree; every {@link org.jzeo.api.config.ConfigEntry}
 * and section remembers its file and line so that a consumer checking the keys against its own
 * schema can report {@code zeo.conf line 7: unknown key 'adress' in <zeo>}. The parser knows no
 * schema: which keys and section types are allowed, and what their values mean, is up to the
 * consumer ({@link org.jzeo.api.config.ConfigSection#requireOnly} and the typed getters help).
 *
 * <p>Case rules, as in ZConfig: section types, keys and {@code %define} names are
 * case-insensitive and are stored in lower case. Section <em>names</em> keep the case they were
 * written in, because they become storage names on the wire (a documented difference: ZConfig
 * lower-cases names of some section types).
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package org.jzeo.api.config;
