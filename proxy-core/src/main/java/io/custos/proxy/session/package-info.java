/** Sessions across protocols: ids, the registry of live sessions and their cancel keys. */
package io.custos.proxy.session;
