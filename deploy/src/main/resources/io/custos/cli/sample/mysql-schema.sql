-- The sample control-system schema (database custos_demo), MySQL and MariaDB dialect: the tables, columns and
-- constraints of postgres-schema.sql. Column levels live in the policy, not here. InnoDB for the foreign keys;
-- utf8mb4 with the binary collation, so that text compares and sorts by code point as under PostgreSQL's C collation.
-- Statements are separated by a semicolon at the end of a line; the loader splits on that.

CREATE TABLE project (
    id bigint NOT NULL,
    name varchar(100) NOT NULL,
    city varchar(40) NOT NULL,
    CONSTRAINT project_pk PRIMARY KEY (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE customer (
    id bigint NOT NULL,
    project_id bigint NOT NULL,
    name varchar(40) NOT NULL,
    id_card_no varchar(18),
    mobile varchar(11),
    home_address varchar(200),
    employer varchar(100),
    created_at datetime NOT NULL,
    CONSTRAINT customer_pk PRIMARY KEY (id),
    INDEX customer_project_idx (project_id),
    CONSTRAINT customer_project_fk FOREIGN KEY (project_id) REFERENCES project (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE customer_asset (
    customer_id bigint NOT NULL,
    property_value decimal(14, 2),
    annual_income decimal(14, 2),
    vehicle_count int,
    CONSTRAINT customer_asset_pk PRIMARY KEY (customer_id),
    CONSTRAINT customer_asset_customer_fk FOREIGN KEY (customer_id) REFERENCES customer (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE customer_bank (
    customer_id bigint NOT NULL,
    bank_name varchar(60),
    account_no varchar(30),
    credit_card_no varchar(19),
    investment_summary text,
    CONSTRAINT customer_bank_pk PRIMARY KEY (customer_id),
    CONSTRAINT customer_bank_customer_fk FOREIGN KEY (customer_id) REFERENCES customer (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE service_ticket (
    id bigint NOT NULL AUTO_INCREMENT,
    customer_id bigint NOT NULL,
    category varchar(30) NOT NULL,
    content text,
    status varchar(20) NOT NULL,
    created_at datetime NOT NULL,
    CONSTRAINT service_ticket_pk PRIMARY KEY (id),
    INDEX service_ticket_customer_idx (customer_id),
    CONSTRAINT service_ticket_customer_fk FOREIGN KEY (customer_id) REFERENCES customer (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
