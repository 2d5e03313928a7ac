package io.custos.rewrite.corpus;

import static java.util.Objects.requireNonNull;

import io.custos.rewrite.Catalog;
import io.custos.rewrite.CatalogColumn;
import io.custos.rewrite.CatalogTable;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The catalog of the sample database, built from the DDL the demo loads ({@code postgres-schema.sql},
 * {@code mysql-schema.sql}), with each column's type as the server's catalog prints it: PostgreSQL's
 * {@code format_type} ({@code character varying(40)}, {@code timestamp without time zone}) and MariaDB's
 * {@code COLUMN_TYPE} ({@code bigint(20)}, {@code int(11)}). The DDL is read line by line: one column or constraint
 * per line, as the sample files are written. The views the corpus files define are added with the columns they list.
 */
final class SampleSchema {
    private static final Pattern CREATE_TABLE = Pattern.compile("CREATE TABLE (\\w+) \\(");
    private static final Pattern COLUMN = Pattern.compile("\\s+(\\w+) (\\w+(?:\\s*\\([^)]*\\))?).*");

    private SampleSchema() {}

    /** The sample tables and the views of the PostgreSQL corpus, in a database named {@code custos_demo}. */
    static Catalog postgres() {
        List<CatalogTable> tables =
                new ArrayList<>(tables("sample/postgres-schema.sql", "public", SampleSchema::postgresType));
        tables.addAll(views(Corpus.POSTGRESQL, "public"));
        return Catalog.of(tables, Set.of(), 1).withNames("custos_demo", false);
    }

    /** The sample tables and the views of the MySQL corpus. */
    static Catalog mySql() {
        List<CatalogTable> tables =
                new ArrayList<>(tables("sample/mysql-schema.sql", "custos_demo", SampleSchema::mariaDbType));
        tables.addAll(views(Corpus.MYSQL, "custos_demo"));
        return Catalog.of(tables, Set.of(), 1);
    }

    private static List<CatalogTable> views(String file, String schema) {
        return Corpus.views(file).stream()
                .map(view -> new CatalogTable(
                        schema,
                        view.name(),
                        view.columns().entrySet().stream()
                                .map(column -> new CatalogColumn(
                                        column.getKey(),
                                        column.getValue(),
                                        column.getValue().matches("(?:var)?char.*|character.*|text")))
                                .toList(),
                        CatalogTable.Kind.VIEW,
                        view.definition()))
                .toList();
    }

    private static List<CatalogTable> tables(String resource, String schema, TypeMapping mapping) {
        List<CatalogTable> tables = new ArrayList<>();
        String table = null;
        List<CatalogColumn> columns = new ArrayList<>();
        for (String line : read(resource).split("\n")) {
            Matcher create = CREATE_TABLE.matcher(line);
            if (create.matches()) {
                table = create.group(1);
                columns = new ArrayList<>();
                continue;
            }
            if (table == null) {
                continue;
            }
            if (line.startsWith(")")) {
                tables.add(new CatalogTable(schema, table, columns));
                table = null;
                continue;
            }
            Matcher column = COLUMN.matcher(line);
            String name = column.matches() ? column.group(1) : "";
            if (name.isEmpty() || name.equals("CONSTRAINT") || name.equals("INDEX")) {
                continue;
            }
            String declared = column.group(2).toLowerCase(Locale.ROOT).replace(", ", ",");
            columns.add(new CatalogColumn(name, mapping.type(declared), declared.matches("(var)?char.*|text")));
        }
        if (tables.isEmpty()) {
            throw new IllegalStateException(resource + " defines no table");
        }
        return tables;
    }

    private static String postgresType(String declared) {
        if (declared.startsWith("varchar")) {
            return "character varying" + declared.substring("varchar".length());
        }
        return switch (declared) {
            case "timestamp" -> "timestamp without time zone";
            default -> declared;
        };
    }

    private static String mariaDbType(String declared) {
        return switch (declared) {
            case "bigint" -> "bigint(20)";
            case "int" -> "int(11)";
            default -> declared;
        };
    }

    private static String read(String resource) {
        String path = "/io/custos/rewrite/corpus/demo/" + resource;
        try (InputStream in = requireNonNull(SampleSchema.class.getResourceAsStream(path), path)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @FunctionalInterface
    private interface TypeMapping {
        String type(String declared);
    }
}
