"""One home per use case: a service asks privacy/ whether the caller may act,
validates, writes through models/, and enqueues mail, in one transaction. Resolvers,
web pages and the command line call services; services never know about GraphQL."""
