from django.urls import path

from kesu.intake import views, webhook

app_name = "intake"
urlpatterns = [
    path("webhook/<slug:source>/", webhook.receive, name="webhook"),
    path("import/", views.upload, name="upload"),
    path("import/<int:pk>/", views.review, name="review"),
    path("slips/", views.slips, name="slips"),
]
