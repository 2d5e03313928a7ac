package io.custos.rewrite.analysis;

import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.calcite.rel.type.RelDataType;
import org.apache.calcite.rel.type.RelDataTypeFactory;
import org.apache.calcite.sql.type.SqlTypeName;

/**
 * Maps MySQL and MariaDB column types as {@code information_schema.COLUMNS.COLUMN_TYPE} prints them ({@code varchar(40)},
 * {@code decimal(14,2)}, {@code bigint(20) unsigned}, {@code enum('a','b')}) to Calcite types, and to the target of
 * a {@code CAST} that yields the same type where MySQL's CAST can express it. Anything unknown becomes ANY.
 */
final class MySqlTypes {
    private static final Pattern TYPE =
            Pattern.compile("^([a-z ]+?)\\s*(?:\\((\\d+)(?:\\s*,\\s*(\\d+))?\\))?((?:\\s+[a-z]+)*)\\s*$");

    private MySqlTypes() {}

    /** A parsed column type: base name, length or precision, scale, and whether UNSIGNED follows. */
    private record Parsed(String name, Integer precision, Integer scale, boolean unsigned) {}

    static RelDataType toCalcite(String mysqlType, RelDataTypeFactory typeFactory) {
        RelDataType type = basic(mysqlType, typeFactory);
        return typeFactory.createTypeWithNullability(type, true);
    }

    private static Optional<Parsed> parse(String mysqlType) {
        String type = mysqlType.trim().toLowerCase(Locale.ROOT);
        if (type.startsWith("enum(") || type.startsWith("set(")) {
            return Optional.of(new Parsed(type.substring(0, type.indexOf('(')), null, null, false));
        }
        Matcher matcher = TYPE.matcher(type);
        if (!matcher.matches()) {
            return Optional.empty();
        }
        Integer precision = matcher.group(2) == null ? null : Integer.valueOf(matcher.group(2));
        Integer scale = matcher.group(3) == null ? null : Integer.valueOf(matcher.group(3));
        boolean unsigned = matcher.group(4).contains("unsigned");
        return Optional.of(new Parsed(matcher.group(1).trim(), precision, scale, unsigned));
    }

    private static RelDataType basic(String mysqlType, RelDataTypeFactory typeFactory) {
        Optional<Parsed> parsed = parse(mysqlType);
        if (parsed.isEmpty()) {
            return typeFactory.createSqlType(SqlTypeName.ANY);
        }
        Parsed type = parsed.get();
        return switch (type.name()) {
            case "varchar", "character varying" -> sized(typeFactory, SqlTypeName.VARCHAR, type.precision());
            case "char", "character" -> sized(
                    typeFactory, SqlTypeName.CHAR, type.precision() == null ? 1 : type.precision());
            case "tinytext", "text", "mediumtext", "longtext", "enum", "set", "json" -> typeFactory.createSqlType(
                    SqlTypeName.VARCHAR);
            case "tinyint" -> typeFactory.createSqlType(SqlTypeName.TINYINT);
            case "smallint" -> typeFactory.createSqlType(SqlTypeName.SMALLINT);
            case "mediumint", "int", "integer", "year" -> typeFactory.createSqlType(SqlTypeName.INTEGER);
            case "bigint" -> typeFactory.createSqlType(SqlTypeName.BIGINT);
            case "float" -> typeFactory.createSqlType(SqlTypeName.REAL);
            case "double", "double precision", "real" -> typeFactory.createSqlType(SqlTypeName.DOUBLE);
            case "decimal", "numeric", "dec", "fixed" -> decimal(typeFactory, type.precision(), type.scale());
            case "bit", "bool", "boolean" -> typeFactory.createSqlType(SqlTypeName.BOOLEAN);
            case "date" -> typeFactory.createSqlType(SqlTypeName.DATE);
            case "datetime", "timestamp" -> typeFactory.createSqlType(SqlTypeName.TIMESTAMP);
            case "time" -> typeFactory.createSqlType(SqlTypeName.TIME);
            case "binary", "varbinary", "tinyblob", "blob", "mediumblob", "longblob" -> typeFactory.createSqlType(
                    SqlTypeName.VARBINARY);
            default -> typeFactory.createSqlType(SqlTypeName.ANY);
        };
    }

    /**
     * The CAST target that gives a NULL of exactly the column's type, if MySQL's CAST has one: {@code DECIMAL(p,s)},
     * {@code DATE}, {@code DATETIME(n)}, {@code TIME(n)}, {@code SIGNED} for BIGINT, {@code UNSIGNED} for BIGINT
     * UNSIGNED, {@code CHAR(n)} for CHAR and VARCHAR (a VARCHAR(n) in the result). Smaller integers, TIMESTAMP,
     * floating point, TEXT and the rest have none: CAST would widen or change them.
     */
    static Optional<String> castTarget(String mysqlType) {
        Optional<Parsed> parsed = parse(mysqlType);
        if (parsed.isEmpty()) {
            return Optional.empty();
        }
        Parsed type = parsed.get();
        String precision = type.precision() == null ? "" : "(" + type.precision() + ")";
        return switch (type.name()) {
            case "decimal", "numeric", "dec", "fixed" -> Optional.of(
                    type.precision() == null
                            ? "DECIMAL"
                            : "DECIMAL(" + type.precision() + "," + (type.scale() == null ? 0 : type.scale()) + ")");
            case "date" -> Optional.of("DATE");
            case "datetime" -> Optional.of("DATETIME" + precision);
            case "time" -> Optional.of("TIME" + precision);
            case "bigint" -> Optional.of(type.unsigned() ? "UNSIGNED" : "SIGNED");
            case "varchar", "character varying", "char", "character" -> type.precision() == null
                    ? Optional.empty()
                    : Optional.of("CHAR" + precision);
            default -> Optional.empty();
        };
    }

    /** The length a CAST to a character type keeps, or empty for types without one (TEXT, ENUM, JSON, …). */
    static Optional<String> characterCastTarget(String mysqlType) {
        Optional<Parsed> parsed = parse(mysqlType);
        if (parsed.isEmpty() || parsed.get().precision() == null) {
            return Optional.empty();
        }
        return switch (parsed.get().name()) {
            case "varchar", "character varying", "char", "character" -> Optional.of(
                    "CHAR(" + parsed.get().precision() + ")");
            default -> Optional.empty();
        };
    }

    private static RelDataType sized(RelDataTypeFactory typeFactory, SqlTypeName name, Integer precision) {
        return precision == null ? typeFactory.createSqlType(name) : typeFactory.createSqlType(name, precision);
    }

    private static RelDataType decimal(RelDataTypeFactory typeFactory, Integer precision, Integer scale) {
        if (precision == null) {
            return typeFactory.createSqlType(SqlTypeName.DECIMAL, 10, 0);
        }
        return typeFactory.createSqlType(SqlTypeName.DECIMAL, precision, scale == null ? 0 : scale);
    }
}
