"""Mail: templates, the outbox writers (one send_<event> per mail) and the worker."""
