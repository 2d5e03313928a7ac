package io.custos.cli.orm;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.math.BigDecimal;

/** Level 2 numbers, masked to NULL below clearance 2. */
@Entity
@Table(name = "customer_asset")
public class CustomerAsset {
    @Id
    @Column(name = "customer_id")
    private Long customerId;

    @Column(name = "property_value")
    private BigDecimal propertyValue;

    @Column(name = "annual_income")
    private BigDecimal annualIncome;

    @Column(name = "vehicle_count")
    private Integer vehicleCount;

    public Long getCustomerId() {
        return customerId;
    }

    public BigDecimal getPropertyValue() {
        return propertyValue;
    }

    public BigDecimal getAnnualIncome() {
        return annualIncome;
    }

    public Integer getVehicleCount() {
        return vehicleCount;
    }
}
