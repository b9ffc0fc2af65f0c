from django.urls import path

from kesu.intake import webhook

app_name = "intake"
urlpatterns = [
    path("webhook/<slug:source>/", webhook.receive, name="webhook"),
]
