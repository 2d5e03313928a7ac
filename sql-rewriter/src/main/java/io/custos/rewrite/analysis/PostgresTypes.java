package io.custos.rewrite.analysis;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.calcite.rel.type.RelDataType;
import org.apache.calcite.rel.type.RelDataTypeFactory;
import org.apache.calcite.sql.type.SqlTypeName;

/** Maps PostgreSQL type names as {@code format_type} prints them to Calcite types; anything unknown becomes ANY. */
final class PostgresTypes {
    private static final Pattern MODIFIER = Pattern.compile("^([a-z ]+)\\s*(?:\\((\\d+)(?:\\s*,\\s*(\\d+))?\\))?(.*)$");

    private PostgresTypes() {}

    static RelDataType toCalcite(String postgresType, RelDataTypeFactory typeFactory) {
        RelDataType type = basic(postgresType.trim().toLowerCase(Locale.ROOT), typeFactory);
        return typeFactory.createTypeWithNullability(type, true);
    }

    /** The type without its length or precision modifier, so that a longer value is not cut. */
    static String withoutModifier(String postgresType) {
        String type = postgresType.trim().toLowerCase(Locale.ROOT);
        if (type.startsWith("character varying") || type.startsWith("varchar")) {
            return "character varying";
        }
        if (type.startsWith("character") || type.startsWith("char") || type.startsWith("bpchar")) {
            return "text";
        }
        return postgresType.replaceAll("\\(\\s*\\d+(\\s*,\\s*\\d+)?\\s*\\)", "").trim();
    }

    private static RelDataType basic(String type, RelDataTypeFactory typeFactory) {
        Matcher matcher = MODIFIER.matcher(type);
        if (!matcher.matches() || type.endsWith("[]")) {
            return any(typeFactory);
        }
        String name = matcher.group(1).trim();
        Integer precision = matcher.group(2) == null ? null : Integer.valueOf(matcher.group(2));
        Integer scale = matcher.group(3) == null ? null : Integer.valueOf(matcher.group(3));
        String suffix = matcher.group(4).trim();
        String full = suffix.isEmpty() ? name : name + " " + suffix;
        return switch (full) {
            case "character varying", "varchar" -> sized(typeFactory, SqlTypeName.VARCHAR, precision);
            case "character", "char" -> sized(typeFactory, SqlTypeName.CHAR, precision == null ? 1 : precision);
            case "text", "name", "citext", "bpchar" -> typeFactory.createSqlType(SqlTypeName.VARCHAR);
            case "smallint", "int2" -> typeFactory.createSqlType(SqlTypeName.SMALLINT);
            case "integer", "int", "int4" -> typeFactory.createSqlType(SqlTypeName.INTEGER);
            case "bigint", "int8" -> typeFactory.createSqlType(SqlTypeName.BIGINT);
            case "real", "float4" -> typeFactory.createSqlType(SqlTypeName.REAL);
            case "double precision", "float8" -> typeFactory.createSqlType(SqlTypeName.DOUBLE);
            case "numeric", "decimal" -> decimal(typeFactory, precision, scale);
            case "boolean", "bool" -> typeFactory.createSqlType(SqlTypeName.BOOLEAN);
            case "date" -> typeFactory.createSqlType(SqlTypeName.DATE);
            case "timestamp without time zone", "timestamp" -> typeFactory.createSqlType(SqlTypeName.TIMESTAMP);
            case "timestamp with time zone", "timestamptz" -> typeFactory.createSqlType(
                    SqlTypeName.TIMESTAMP_WITH_LOCAL_TIME_ZONE);
            case "time without time zone", "time" -> typeFactory.createSqlType(SqlTypeName.TIME);
            default -> any(typeFactory);
        };
    }

    private static RelDataType sized(RelDataTypeFactory typeFactory, SqlTypeName name, Integer precision) {
        return precision == null ? typeFactory.createSqlType(name) : typeFactory.createSqlType(name, precision);
    }

    private static RelDataType decimal(RelDataTypeFactory typeFactory, Integer precision, Integer scale) {
        if (precision == null) {
            return typeFactory.createSqlType(SqlTypeName.DECIMAL);
        }
        return typeFactory.createSqlType(SqlTypeName.DECIMAL, precision, scale == null ? 0 : scale);
    }

    private static RelDataType any(RelDataTypeFactory typeFactory) {
        return typeFactory.createSqlType(SqlTypeName.ANY);
    }
}
