package io.custos.cli.orm;

import java.util.List;
import org.apache.ibatis.annotations.Param;

/** The MyBatis mapper of the ORM harness; its statements are in {@code CustomerMapper.xml}. */
public interface CustomerMapper {
    Customer find(@Param("id") long id);

    /** Customers of a project (any when null) from an id on (any when null), by id, at most {@code limit}. */
    List<Customer> search(@Param("projectId") Long projectId, @Param("fromId") Long fromId, @Param("limit") int limit);

    CustomerBank bankOf(@Param("customerId") long customerId);

    CustomerAsset assetOf(@Param("customerId") long customerId);

    int insertTicket(ServiceTicket ticket);

    int updateMobile(@Param("id") long id, @Param("mobile") String mobile);
}
