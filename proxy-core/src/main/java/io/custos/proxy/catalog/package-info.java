/**
 * The backend's tables and columns as the rewriter needs them: {@link io.custos.proxy.catalog.CatalogLoader} reads them
 * from the database's system catalog over JDBC (the control path, never the data path), and
 * {@link io.custos.proxy.catalog.CatalogCache} keeps the current snapshot fresh.
 */
package io.custos.proxy.catalog;
