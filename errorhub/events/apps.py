from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "errorhub.events"
    label = "events"
    verbose_name = "Events"
