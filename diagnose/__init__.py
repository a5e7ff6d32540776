"""ikedoctor: diagnose IKE/IPsec failures between Apple clients and strongSwan gateways."""

__version__ = "0.1.0"
