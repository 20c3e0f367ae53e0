-- The demo schema; the demo's load generator writes to these tables. The SQL sink writes the
-- warehouse.* topics into the `warehouse` database (it creates the tables: schema.evolution=basic).
CREATE DATABASE warehouse;
CREATE TABLE customers (id serial PRIMARY KEY, name text NOT NULL, email text NOT NULL, created_at timestamptz DEFAULT now());
CREATE TABLE products (id serial PRIMARY KEY, sku text NOT NULL, title text NOT NULL, price numeric(10,2) NOT NULL);
CREATE TABLE orders (id serial PRIMARY KEY, customer_id int NOT NULL, product_id int NOT NULL, quantity int NOT NULL,
                     status text NOT NULL DEFAULT 'new', ordered_at timestamptz DEFAULT now());
INSERT INTO customers (name, email) SELECT 'customer ' || i, 'c' || i || '@example.com' FROM generate_series(1, 20) i;
INSERT INTO products (sku, title, price) SELECT 'SKU-' || i, 'product ' || i, i * 1.25 FROM generate_series(1, 10) i;
