from django.urls import path

from kesu.reports import views

app_name = "reports"
urlpatterns = [
    path("", views.report, name="report"),
    path("complaints/", views.complaints_behind, name="behind"),
    path("capa/", views.capa, name="capa"),
]
