from django.urls import path

from kesu.portal import views

app_name = "portal"
urlpatterns = [
    path("", views.notice, name="notice"),
    path("complain/", views.complain, name="complain"),
    path("track/", views.track, name="track"),
    path("rate/<str:token>/", views.rate, name="rate"),
]
