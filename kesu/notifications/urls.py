from django.urls import path

from kesu.notifications import views

app_name = "notifications"
urlpatterns = [
    path("crisis/<str:number>/", views.crisis, name="crisis"),
    path("quiet/", views.quiet, name="quiet"),
]
