package io.custos.rewrite.analysis;

import io.custos.rewrite.Catalog;
import io.custos.rewrite.CatalogColumn;
import io.custos.rewrite.CatalogTable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.calcite.avatica.util.Casing;
import org.apache.calcite.avatica.util.Quoting;
import org.apache.calcite.config.CalciteConnectionConfig;
import org.apache.calcite.jdbc.CalciteSchema;
import org.apache.calcite.prepare.CalciteCatalogReader;
import org.apache.calcite.rel.type.RelDataType;
import org.apache.calcite.rel.type.RelDataTypeFactory;
import org.apache.calcite.rel.type.RelDataTypeSystem;
import org.apache.calcite.schema.SchemaPlus;
import org.apache.calcite.schema.impl.AbstractSchema;
import org.apache.calcite.schema.impl.AbstractTable;
import org.apache.calcite.sql.SqlFunctionCategory;
import org.apache.calcite.sql.SqlIdentifier;
import org.apache.calcite.sql.SqlOperator;
import org.apache.calcite.sql.SqlOperatorTable;
import org.apache.calcite.sql.SqlSyntax;
import org.apache.calcite.sql.fun.SqlLibrary;
import org.apache.calcite.sql.fun.SqlLibraryOperatorTableFactory;
import org.apache.calcite.sql.parser.SqlParser;
import org.apache.calcite.sql.parser.babel.SqlBabelParserImpl;
import org.apache.calcite.sql.type.SqlTypeFactoryImpl;
import org.apache.calcite.sql.validate.SqlConformanceEnum;
import org.apache.calcite.sql.validate.SqlNameMatcher;
import org.apache.calcite.sql.validate.SqlNameMatchers;
import org.apache.calcite.sql.validate.SqlValidator;
import org.apache.calcite.sql.validate.SqlValidatorUtil;

/**
 * Calcite configured to read PostgreSQL: the babel parser with PostgreSQL's identifier rules (double quotes, unquoted
 * names folded to lower case, case-sensitive matching), the PostgreSQL function library, and a schema per database
 * schema built from the catalog. For MySQL and MariaDB: back-quoted names, unquoted names kept as written, matching
 * without case (column names never depend on case in MySQL; table names are matched as a server with
 * {@code lower_case_table_names} does, which on a case-sensitive server errs on the side of finding a protected
 * table), the MySQL function library, and a schema per database.
 */
final class CalciteSetup {
    static final SqlParser.Config PARSER = SqlParser.config()
            .withParserFactory(SqlBabelParserImpl.FACTORY)
            .withConformance(SqlConformanceEnum.BABEL)
            .withQuoting(Quoting.DOUBLE_QUOTE)
            .withUnquotedCasing(Casing.TO_LOWER)
            .withQuotedCasing(Casing.UNCHANGED)
            .withCaseSensitive(true);

    static final SqlParser.Config MYSQL_PARSER = SqlParser.config()
            .withParserFactory(SqlBabelParserImpl.FACTORY)
            .withConformance(SqlConformanceEnum.BABEL)
            .withQuoting(Quoting.BACK_TICK)
            .withUnquotedCasing(Casing.UNCHANGED)
            .withQuotedCasing(Casing.UNCHANGED)
            .withCaseSensitive(false);

    private static final SqlValidator.Config VALIDATOR = SqlValidator.Config.DEFAULT
            .withConformance(SqlConformanceEnum.BABEL)
            .withIdentifierExpansion(false)
            .withCallRewrite(false)
            .withLenientOperatorLookup(true);

    private static final SqlOperatorTable OPERATORS = new CaseInsensitiveOperators(
            SqlLibraryOperatorTableFactory.INSTANCE.getOperatorTable(SqlLibrary.STANDARD, SqlLibrary.POSTGRESQL));

    private static final SqlOperatorTable MYSQL_OPERATORS = new CaseInsensitiveOperators(
            SqlLibraryOperatorTableFactory.INSTANCE.getOperatorTable(SqlLibrary.STANDARD, SqlLibrary.MYSQL));

    /** MySQL type names that Calcite's parser reads as user-defined types, as in {@code CAST(x AS SIGNED)}. */
    private static final List<String> MYSQL_TYPE_NAMES = List.of(
            "signed",
            "unsigned",
            "datetime",
            "text",
            "tinytext",
            "mediumtext",
            "longtext",
            "mediumint",
            "json",
            "year",
            "blob",
            "longblob");

    private CalciteSetup() {}

    static SqlParser.Config parser(Dialect dialect) {
        return dialect == Dialect.MYSQL ? MYSQL_PARSER : PARSER;
    }

    /** The Calcite schema tree for one catalog snapshot: the root holds one sub-schema per database schema. */
    static CalciteSchema schema(Catalog catalog) {
        return schema(catalog, Dialect.POSTGRESQL);
    }

    static CalciteSchema schema(Catalog catalog, Dialect dialect) {
        CalciteSchema root = CalciteSchema.createRootSchema(false, false);
        addTypeNames(root.plus(), dialect);
        Map<String, SchemaPlus> schemas = new HashMap<>();
        Set<String> ambiguous = dialect == Dialect.MYSQL && catalog.caseSensitiveTableNames()
                ? ambiguousWithoutCase(catalog)
                : Set.of();
        for (CatalogTable table : catalog.tables()) {
            if (ambiguous.contains(lowerKey(table))) {
                continue;
            }
            SchemaPlus schema = schemas.computeIfAbsent(
                    table.schema(), name -> addTypeNames(root.plus().add(name, new AbstractSchema()), dialect));
            schema.add(table.name(), new CatalogBackedTable(table.columns(), dialect));
        }
        String database = catalog.database();
        if (dialect == Dialect.POSTGRESQL && !database.isEmpty() && !schemas.containsKey(database)) {
            // PostgreSQL takes database.schema.table when the database is the current one.
            SchemaPlus qualified = root.plus().add(database, new AbstractSchema());
            for (CatalogTable table : catalog.tables()) {
                SchemaPlus schema = qualified.getSubSchema(table.schema()) != null
                        ? qualified.getSubSchema(table.schema())
                        : addTypeNames(qualified.add(table.schema(), new AbstractSchema()), dialect);
                schema.add(table.name(), new CatalogBackedTable(table.columns(), dialect));
            }
        }
        return root;
    }

    /**
     * On a MySQL server that compares table names with case, tables (or databases) may differ in case alone, which
     * Calcite's matching without case cannot tell apart: they are left out, so a query naming them fails closed.
     */
    private static Set<String> ambiguousWithoutCase(Catalog catalog) {
        Map<String, Set<String>> spellings = new HashMap<>();
        Map<String, Set<String>> schemaSpellings = new HashMap<>();
        for (CatalogTable table : catalog.tables()) {
            spellings.computeIfAbsent(lowerKey(table), key -> new HashSet<>()).add(table.schema() + "." + table.name());
            schemaSpellings
                    .computeIfAbsent(table.schema().toLowerCase(Locale.ROOT), key -> new HashSet<>())
                    .add(table.schema());
        }
        Set<String> ambiguous = new HashSet<>();
        for (CatalogTable table : catalog.tables()) {
            boolean tableClash = spellings.get(lowerKey(table)).size() > 1;
            boolean schemaClash =
                    schemaSpellings.get(table.schema().toLowerCase(Locale.ROOT)).size() > 1;
            if (tableClash || schemaClash) {
                ambiguous.add(lowerKey(table));
            }
        }
        return ambiguous;
    }

    private static String lowerKey(CatalogTable table) {
        return (table.schema() + "\u0000" + table.name()).toLowerCase(Locale.ROOT);
    }

    private static SchemaPlus addTypeNames(SchemaPlus schema, Dialect dialect) {
        if (dialect == Dialect.POSTGRESQL) {
            return addTypeNames(schema);
        }
        for (String name : MYSQL_TYPE_NAMES) {
            String type = name.equals("signed") ? "bigint" : name.equals("unsigned") ? "bigint unsigned" : name;
            schema.add(name, typeFactory -> MySqlTypes.toCalcite(type, typeFactory));
        }
        return schema;
    }

    /** PostgreSQL type names that Calcite's parser reads as user-defined types, as in {@code x::text}. */
    private static SchemaPlus addTypeNames(SchemaPlus schema) {
        for (String name : List.of(
                "text",
                "int2",
                "int4",
                "int8",
                "float4",
                "float8",
                "bool",
                "bpchar",
                "timestamptz",
                "citext",
                "name",
                "uuid",
                "json",
                "jsonb",
                "bytea",
                "inet",
                "interval",
                "oid",
                "regclass")) {
            schema.add(name, typeFactory -> PostgresTypes.toCalcite(name, typeFactory));
        }
        return schema;
    }

    static SqlValidator validator(CalciteSchema root, List<String> searchPath) {
        return validator(root, searchPath, Dialect.POSTGRESQL);
    }

    /**
     * For MySQL the search path is the current database, one entry; with none selected (empty, or one empty name)
     * unqualified tables resolve nowhere.
     */
    static SqlValidator validator(CalciteSchema root, List<String> searchPath, Dialect dialect) {
        RelDataTypeFactory typeFactory = new SqlTypeFactoryImpl(RelDataTypeSystem.DEFAULT);
        List<List<String>> paths = new ArrayList<>();
        List<String> schemas = searchPath.isEmpty() && dialect == Dialect.POSTGRESQL ? List.of("public") : searchPath;
        for (String schema : schemas) {
            if (!schema.isEmpty()) {
                paths.add(List.of(schema));
            }
        }
        paths.add(List.of());
        boolean caseSensitive = dialect == Dialect.POSTGRESQL;
        CalciteCatalogReader reader = new SearchPathCatalogReader(root, paths, typeFactory, caseSensitive);
        SqlOperatorTable operators = dialect == Dialect.MYSQL ? MYSQL_OPERATORS : OPERATORS;
        return SqlValidatorUtil.newValidator(operators, reader, typeFactory, VALIDATOR);
    }

    /** Resolves unqualified tables against each schema of the search path in turn, then against the root. */
    private static final class SearchPathCatalogReader extends CalciteCatalogReader {
        SearchPathCatalogReader(
                CalciteSchema root, List<List<String>> paths, RelDataTypeFactory typeFactory, boolean caseSensitive) {
            super(
                    root,
                    SqlNameMatchers.withCaseSensitive(caseSensitive),
                    paths,
                    typeFactory,
                    CalciteConnectionConfig.DEFAULT);
        }
    }

    /**
     * Function names arrive folded to lower case while Calcite registers its functions in upper case: look operators
     * up without regard to case, as PostgreSQL does for unquoted names.
     */
    private record CaseInsensitiveOperators(SqlOperatorTable delegate) implements SqlOperatorTable {
        @Override
        public void lookupOperatorOverloads(
                SqlIdentifier opName,
                SqlFunctionCategory category,
                SqlSyntax syntax,
                List<SqlOperator> operatorList,
                SqlNameMatcher nameMatcher) {
            delegate.lookupOperatorOverloads(
                    opName, category, syntax, operatorList, SqlNameMatchers.withCaseSensitive(false));
        }

        @Override
        public List<SqlOperator> getOperatorList() {
            return delegate.getOperatorList();
        }
    }

    private static final class CatalogBackedTable extends AbstractTable {
        private final List<CatalogColumn> columns;
        private final Dialect dialect;

        CatalogBackedTable(List<CatalogColumn> columns, Dialect dialect) {
            this.columns = columns;
            this.dialect = dialect;
        }

        @Override
        public RelDataType getRowType(RelDataTypeFactory typeFactory) {
            RelDataTypeFactory.Builder builder = typeFactory.builder();
            for (CatalogColumn column : columns) {
                builder.add(
                        column.name(),
                        dialect == Dialect.MYSQL
                                ? MySqlTypes.toCalcite(column.type(), typeFactory)
                                : PostgresTypes.toCalcite(column.type(), typeFactory));
            }
            return builder.build();
        }
    }
}
