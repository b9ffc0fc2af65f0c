from django.urls import path

from kesu.privacy import views

app_name = "privacy"
urlpatterns = [
    path("customer/", views.customer_data, name="customer"),
]
